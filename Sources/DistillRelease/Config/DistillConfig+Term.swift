//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

// MARK: - Encoding

extension DistillConfig {
    /// The file's terms: `default_release`, `default_environment`, the environments,
    /// then the releases.
    public var terms: [Term] {
        var terms: [Term] = []
        if let defaultRelease { terms.append(.tuple([.atom("default_release"), .atom(defaultRelease)])) }
        if let defaultEnvironment { terms.append(.tuple([.atom("default_environment"), .atom(defaultEnvironment)])) }
        for environment in environments {
            var options = environment.options.properties
            if !environment.overlays.isEmpty {
                options.append(property("overlays", .list(environment.overlays.map(\.term))))
            }
            terms.append(.tuple([.atom("environment"), .atom(environment.name), .list(options)]))
        }
        for release in releases {
            var options: [Term] = []
            if let version = release.version { options.append(property("version", .string(version))) }
            options.append(property("applications", .list(release.applications.map(\.term))))
            if !release.overlays.isEmpty { options.append(property("overlays", .list(release.overlays.map(\.term)))) }
            if !release.commands.isEmpty {
                options.append(
                    property("commands", .list(release.commands.map { .tuple([.atom($0.name), .string($0.path)]) }))
                )
            }
            if !release.hooks.isEmpty {
                options.append(
                    property("hooks", .list(release.hooks.map { .tuple([.atom($0.kind.rawValue), .string($0.path)]) }))
                )
            }
            options += release.options.properties
            terms.append(.tuple([.atom("release"), .atom(release.name), .list(options)]))
        }
        return terms
    }
}

private func property(_ key: String, _ value: Term) -> Term { .tuple([.atom(key), value]) }

extension BuildOptions {
    /// The keys of build options, in the order they are written.
    static let keys = [
        "dev_mode", "include_runtime", "strip_debug_info", "configuration", "sys_config", "vm_args",
        "swift_build_flags",
    ]

    /// The options that are set, as `{Key, Value}` terms.
    var properties: [Term] {
        var properties: [Term] = []
        if let devMode { properties.append(property("dev_mode", .boolean(devMode))) }
        if let runtime {
            let value: Term =
                switch runtime {
                case .bundled: true
                case .system: false
                case .directory(let path): .string(path)
                }
            properties.append(property("include_runtime", value))
        }
        if let stripDebugInfo { properties.append(property("strip_debug_info", .boolean(stripDebugInfo))) }
        if let configuration { properties.append(property("configuration", .atom(configuration.rawValue))) }
        if let sysConfig { properties.append(property("sys_config", .string(sysConfig))) }
        if let vmArgs { properties.append(property("vm_args", .string(vmArgs))) }
        if let swiftBuildFlags {
            properties.append(property("swift_build_flags", .list(swiftBuildFlags.map(Term.string))))
        }
        return properties
    }

    /// Decodes one build option; `false` if `property` is not one.
    mutating func decode(_ property: Property) throws(ReleaseFileError) {
        let value = property.value
        let role = "'\(property.key)'"
        switch property.key {
        case "dev_mode": devMode = try value.boolean(role)
        case "include_runtime":
            if let flag = value.term.boolValue {
                runtime = flag ? .bundled : .system
            } else if let path = value.term.stringValue, !path.isEmpty {
                runtime = .directory(path)
            } else {
                throw value.wrongShape(role, "true, false or the path of a runtime directory")
            }
        case "strip_debug_info": stripDebugInfo = try value.boolean(role)
        case "configuration": configuration = try value.oneOf(role, BuildConfiguration.self)
        case "sys_config": sysConfig = try value.path(role)
        case "vm_args": vmArgs = try value.path(role)
        case "swift_build_flags": swiftBuildFlags = try value.stringList(role, element: "a swift build flag")
        default: preconditionFailure("BuildOptions.keys and decode(_:) disagree on '\(property.key)'")
        }
    }
}

extension ReleaseApplication {
    static let optionKeys = ["product", "vsn", "description", "env", "applications"]

    /// `kv`, `{kv, Type}`, `{kv, [Option]}` or `{kv, Type, [Option]}`.
    public var term: Term {
        var options: [Term] = []
        if let product { options.append(property("product", .string(product))) }
        if let version { options.append(property("vsn", .string(version))) }
        if let description { options.append(property("description", .string(description))) }
        if let environment { options.append(property("env", .list(environment.map(\.term)))) }
        if let applications { options.append(property("applications", .list(applications.map(Term.atom)))) }
        var elements: [Term] = [.atom(name)]
        if let type { elements.append(type.term) }
        if hasOptions { elements.append(.list(options)) }
        return elements.count == 1 ? .atom(name) : .tuple(elements)
    }
}

extension Overlay {
    /// `{mkdir, Path}`, `{copy, From, To}` or `{template, From, To}`.
    public var term: Term {
        switch self {
        case .mkdir(let path): .tuple([.atom("mkdir"), .string(path)])
        case .copy(let from, let to): .tuple([.atom("copy"), .string(from), .string(to)])
        case .template(let from, let to): .tuple([.atom("template"), .string(from), .string(to)])
        }
    }
}

// MARK: - Decoding

extension DistillConfig {
    /// Decodes the terms of a `rel/config` read from `file`.
    public init(located terms: [LocatedTerm], file: String) throws(ReleaseFileError) {
        let context = DecodingContext(file: file)
        let config = context.attempt { () throws(ReleaseFileError) in
            try Self(terms.map { Node($0, context) }, context)
        }
        self = try context.finish(config)
    }

    private static let entryNames = ["default_release", "default_environment", "environment", "release"]

    init(_ nodes: [Node], _ context: DecodingContext) throws(ReleaseFileError) {
        self.init(releases: [])
        var defaults: [String: (name: String, node: Node, entry: SourceLocation)] = [:]
        var environmentNames: [String: SourceLocation] = [:]
        var releaseNames: [String: SourceLocation] = [:]
        for node in nodes {
            context.attempt { () throws(ReleaseFileError) in
                let parts = try node.tuple(
                    "a rel/config entry",
                    shape:
                        "{release, Name, [Option]}, {environment, Name, [Option]}, {default_release, Name} or "
                        + "{default_environment, Name}"
                )
                let tag = try parts.first?.atom("the kind of a rel/config entry") ?? ""
                switch tag {
                case "default_release", "default_environment":
                    guard parts.count == 2 else { throw node.wrongShape("a \(tag) entry", "{\(tag), Name}") }
                    if let first = defaults[tag] {
                        throw node.duplicate(tag, first: first.entry)
                    }
                    defaults[tag] = (try parts[1].atom("the name in \(tag)"), parts[1], node.location)
                case "environment":
                    guard parts.count == 3 else {
                        throw node.wrongShape("an environment entry", "{environment, Name, [Option]}")
                    }
                    let name = try parts[1].atom("an environment name")
                    if let first = environmentNames[name] {
                        throw node.duplicate("environment '\(name)'", first: first)
                    }
                    environmentNames[name] = node.location
                    environments.append(try Environment(name: name, options: parts[2]))
                case "release":
                    guard parts.count == 3 else {
                        throw node.wrongShape("a release entry", "{release, Name, [Option]}")
                    }
                    let name = try parts[1].atom("a release name")
                    if let first = releaseNames[name] {
                        throw node.duplicate("release '\(name)'", first: first)
                    }
                    releaseNames[name] = node.location
                    releases.append(try Release(name: name, options: parts[2]))
                default:
                    throw node.error(
                        .unknownKey,
                        "unknown rel/config entry '\(tag)'" + Suggestion.didYouMean(tag, among: Self.entryNames)
                    )
                }
            }
        }
        if let (name, node, _) = defaults["default_release"] {
            defaultRelease = name
            if releaseNames[name] == nil {
                context.record(
                    node.error(
                        .unknownName,
                        "default_release names release '\(name)', which rel/config does not define"
                            + Suggestion.didYouMean(name, among: releaseNames.keys.sorted())
                    )
                )
            }
        }
        if let (name, node, _) = defaults["default_environment"] {
            defaultEnvironment = name
            if environmentNames[name] == nil {
                context.record(
                    node.error(
                        .unknownName,
                        "default_environment names environment '\(name)', which rel/config does not define"
                            + Suggestion.didYouMean(name, among: environmentNames.keys.sorted())
                    )
                )
            }
        }
        if releaseNames.isEmpty && context.firstError == nil {
            throw ReleaseFileError(
                code: .missingKey,
                message:
                    "rel/config defines no release: add "
                    + "{release, Name, [{version, \"0.1.0\"}, {applications, [App]}]}.",
                file: context.file,
                location: nil
            )
        }
    }
}

/// Hints for keys people bring from relx, distillery and mix releases.
private let optionHints = [
    "include_erts": "did you mean 'include_runtime'? (swift-distill bundles its own runtime, not ERTS)",
    "cookie": "swift-distill uses no cookie: only the release's owner can reach the node's control socket",
    "include_src": "swift-distill does not ship sources",
    "vsn": "did you mean 'version'?",
    "apps": "did you mean 'applications'?",
]

extension DistillConfig.Environment {
    init(name: String, options: Node) throws(ReleaseFileError) {
        self.init(name: name)
        try options.properties(
            "the options of environment '\(name)'",
            noun: "environment option",
            known: BuildOptions.keys + ["overlays"],
            hints: optionHints
        ) { (property: Property) throws(ReleaseFileError) in
            if property.key == "overlays" {
                self.overlays = try property.value.overlays()
            } else {
                try self.options.decode(property)
            }
        }
    }
}

extension DistillConfig.Release {
    static let keys = ["version", "applications", "overlays", "commands", "hooks"]

    init(name: String, options: Node) throws(ReleaseFileError) {
        self.init(name: name, version: nil, applications: [])
        let seen = try options.properties(
            "the options of release '\(name)'",
            noun: "release option",
            known: Self.keys + BuildOptions.keys,
            hints: optionHints
        ) { (property: Property) throws(ReleaseFileError) in
            let value = property.value
            switch property.key {
            case "version": self.version = try value.version("the version of release '\(name)'")
            case "applications": self.applications = try value.releaseApplications(release: name)
            case "overlays": self.overlays = try value.overlays()
            case "commands": self.commands = try value.commands()
            case "hooks": self.hooks = try value.hooks()
            default: try self.options.decode(property)
            }
        }
        options.requireKeys(["applications"], in: seen, owner: "release '\(name)'")
    }
}
