//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

// MARK: - Decoding the parts of rel/config

extension Node {
    /// A non-empty string naming a file or directory in the package.
    func path(_ role: String) throws(ReleaseFileError) -> String {
        guard let path = term.stringValue, !path.isEmpty else { throw wrongShape(role, "a non-empty path string") }
        return path
    }

    /// A path inside the release directory: relative, and never leaving it through `..`.
    func releasePath(_ role: String) throws(ReleaseFileError) -> String {
        let path = try path(role)
        if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            throw error(
                .invalidValue,
                "\(role) must be a path inside the release (relative, without '..'), found \(snippet)"
            )
        }
        return path
    }

    /// A version usable in a directory name (`lib/kv-0.2.0`, `releases/0.2.0`): not
    /// empty, without `/` or whitespace.
    func version(_ role: String) throws(ReleaseFileError) -> String {
        let version = try string(role)
        if version.isEmpty || version.unicodeScalars.contains(where: { $0 == "/" || $0.properties.isWhitespace }) {
            throw error(
                .invalidValue,
                "\(role) must be a non-empty version without '/' or whitespace, found \(snippet)"
            )
        }
        return version
    }

    func releaseApplications(release: String) throws(ReleaseFileError) -> [ReleaseApplication] {
        let elements = try list("the applications of release '\(release)'")
        if elements.isEmpty { throw error(.invalidValue, "release '\(release)' has no applications") }
        var applications: [ReleaseApplication] = []
        var seen: [String: SourceLocation] = [:]
        for element in elements {
            context.attempt { () throws(ReleaseFileError) in
                let application = try ReleaseApplication(node: element)
                if let first = seen[application.name] {
                    throw element.duplicate("application '\(application.name)'", first: first)
                }
                seen[application.name] = element.location
                applications.append(application)
            }
        }
        return applications
    }

    func overlays() throws(ReleaseFileError) -> [Overlay] {
        var overlays: [Overlay] = []
        for element in try list("'overlays'") {
            context.attempt { () throws(ReleaseFileError) in
                let parts = try element.tuple("an overlay")
                let kind = try parts.first?.atom("the kind of an overlay") ?? ""
                switch (kind, parts.count) {
                case ("mkdir", 2):
                    overlays.append(.mkdir(try parts[1].releasePath("the directory of mkdir")))
                case ("copy", 3):
                    overlays.append(
                        .copy(
                            from: try parts[1].path("the source of copy"),
                            to: try parts[2].releasePath("the destination of copy")
                        )
                    )
                case ("template", 3):
                    overlays.append(
                        .template(
                            from: try parts[1].path("the template"),
                            to: try parts[2].releasePath("the destination of template")
                        )
                    )
                case ("mkdir", _), ("copy", _), ("template", _):
                    throw element.error(
                        .wrongArity,
                        "wrong number of elements in \(element.snippet); overlays are {mkdir, Path}, "
                            + "{copy, From, To} and {template, From, To}"
                    )
                default:
                    throw element.error(
                        .unknownKey,
                        "unknown overlay '\(kind)'" + Suggestion.didYouMean(kind, among: ["mkdir", "copy", "template"])
                    )
                }
            }
        }
        return overlays
    }

    func commands() throws(ReleaseFileError) -> [Command] {
        var commands: [Command] = []
        var seen: [String: SourceLocation] = [:]
        for element in try list("'commands'") {
            context.attempt { () throws(ReleaseFileError) in
                let pair = try element.tuple("a command", count: 2, shape: "a {Name, Path} tuple")
                let name = try pair[0].atom("a command name")
                if DistillConfig.builtinCommands.contains(name) {
                    throw pair[0].error(
                        .invalidValue,
                        "command '\(name)' would hide the built-in command of the same name"
                    )
                }
                if let first = seen[name] {
                    throw element.duplicate("command '\(name)'", first: first)
                }
                seen[name] = element.location
                commands.append(Command(name: name, path: try pair[1].path("the script of command '\(name)'")))
            }
        }
        return commands
    }

    func hooks() throws(ReleaseFileError) -> [Hook] {
        var hooks: [Hook] = []
        try properties("'hooks'", noun: "hook", known: Hook.Kind.allCases.map(\.rawValue)) {
            (property: Property) throws(ReleaseFileError) in
            guard let kind = Hook.Kind(rawValue: property.key) else { return }
            hooks.append(Hook(kind: kind, path: try property.value.path("the script of hook '\(property.key)'")))
        }
        return hooks
    }
}

extension ReleaseApplication {
    init(node: Node) throws(ReleaseFileError) {
        let shapes = "App, {App, Type}, {App, [Option]} or {App, Type, [Option]}"
        if let name = node.term.atomValue {
            self.init(name: name)
            return
        }
        guard case .tuple(let elements) = node.term, (2...3).contains(elements.count) else {
            throw node.wrongShape("an application of a release", shapes)
        }
        let parts = node.parts
        self.init(name: try parts[0].atom("an application name"))
        var options: Node?
        if parts.count == 3 {
            type = try parts[1].oneOf("the start type of '\(name)'", ApplicationType.self)
            options = parts[2]
        } else if parts[1].term.listElements != nil {
            options = parts[1]
        } else {
            type = try parts[1].oneOf("the start type of '\(name)'", ApplicationType.self)
        }
        guard let options else { return }
        let name = name
        try options.properties(
            "the options of application '\(name)'",
            noun: "application option",
            known: Self.optionKeys,
            hints: ["version": "did you mean 'vsn'?"]
        ) { (property: Property) throws(ReleaseFileError) in
            let value = property.value
            let role = "'\(property.key)'"
            switch property.key {
            case "product":
                guard let product = value.term.stringValue, !product.isEmpty else {
                    throw value.wrongShape(role, "the name of a SwiftPM product, as a string")
                }
                self.product = product
            case "vsn": self.version = try value.version("the version of application '\(name)'")
            case "description": self.description = try value.string(role)
            case "env": self.environment = try value.configParameters(role, owner: "'env' of application '\(name)'")
            default: self.applications = try value.atomList(role, element: "an application name")
            }
        }
    }
}
