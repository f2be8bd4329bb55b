//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Mustache

/// The variables a release's templates see: `templates/` (`bin/REL`, `vm.args`,
/// `sys.config`) and `{template, From, To}` overlays (and the `To` paths of every overlay).
///
/// Templates are [Mustache](https://mustache.github.io/mustache.5.html) (rendered by
/// hummingbird-project/swift-mustache), as plain text: nothing is HTML-escaped.
///
/// | variable | value |
/// | --- | --- |
/// | `release_name` | `kv` |
/// | `release_version` | `0.2.0` |
/// | `erts_version` | `6.3.1-3fa0c2d1`: the runtime's version, `erts-{{erts_version}}/` |
/// | `environment` | `prod` (empty without environments) |
/// | `configuration` | `debug` or `release` |
/// | `swift_version` | `6.3.1` |
/// | `runtime_fingerprint` | the runtime's SHA-256 (``RuntimeBundle/fingerprint``) |
/// | `include_runtime` | `true` when the release bundles `erts-{{erts_version}}/` |
/// | `applications` | a list: `{{#applications}}{{name}}-{{version}} ({{type}}){{/applications}}` |
/// | `commands` | a list: `{{#commands}}{{name}} runs {{path}}{{/commands}}` (paths in the release) |
/// | `hooks` | a list: `{{#hooks}}{{kind}}: {{path}}{{/hooks}}` (paths in the release) |
public struct TemplateVariables: Hashable, Sendable {
    /// One application of the release.
    public struct Application: Hashable, Sendable {
        public var name: String
        public var version: String
        /// The start type (`permanent`, `transient`, ...).
        public var type: String

        public init(name: String, version: String, type: String) {
            self.name = name
            self.version = version
            self.type = type
        }
    }

    /// A `{Name, Path}` pair: a custom command or a hook and its script in the release.
    public struct Script: Hashable, Sendable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    public var releaseName: String
    public var releaseVersion: String
    public var ertsVersion: String
    public var environment: String
    public var configuration: String
    public var swiftVersion: String
    public var runtimeFingerprint: String
    public var includeRuntime: Bool
    public var applications: [Application]
    public var commands: [Script]
    public var hooks: [Script]

    public init(
        releaseName: String,
        releaseVersion: String,
        ertsVersion: String,
        environment: String = "",
        configuration: String = "release",
        swiftVersion: String = "",
        runtimeFingerprint: String = "",
        includeRuntime: Bool = true,
        applications: [Application] = [],
        commands: [Script] = [],
        hooks: [Script] = []
    ) {
        self.releaseName = releaseName
        self.releaseVersion = releaseVersion
        self.ertsVersion = ertsVersion
        self.environment = environment
        self.configuration = configuration
        self.swiftVersion = swiftVersion
        self.runtimeFingerprint = runtimeFingerprint
        self.includeRuntime = includeRuntime
        self.applications = applications
        self.commands = commands
        self.hooks = hooks
    }

    /// The documented variable names, in the table's order.
    public static let names = [
        "release_name", "release_version", "erts_version", "environment", "configuration", "swift_version",
        "runtime_fingerprint", "include_runtime", "applications", "commands", "hooks",
    ]

    /// The Mustache context.
    var context: [String: Any] {
        [
            "release_name": releaseName,
            "release_version": releaseVersion,
            "erts_version": ertsVersion,
            "environment": environment,
            "configuration": configuration,
            "swift_version": swiftVersion,
            "runtime_fingerprint": runtimeFingerprint,
            "include_runtime": includeRuntime,
            "applications": applications.map { ["name": $0.name, "version": $0.version, "type": $0.type] },
            "commands": commands.map { ["name": $0.name, "path": $0.path] },
            "hooks": hooks.map { ["kind": $0.name, "path": $0.path] },
        ]
    }
}

/// Renders Mustache templates with ``TemplateVariables``.
public struct TemplateRenderer: Sendable {
    public var variables: TemplateVariables

    public init(variables: TemplateVariables) {
        self.variables = variables
    }

    /// The pragma that turns HTML escaping off: prepended to every template on its first line.
    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    /// `text` rendered; `file` names the template in errors (`file:line:column`).
    public func render(_ text: String, file: String) throws(BuildError) -> String {
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: Self.textPragma + text)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber
            let column =
                line == 1 ? max(1, error.context.columnNumber - Self.textPragma.count) : error.context.columnNumber
            throw BuildError(
                code: .invalidTemplate,
                message: "invalid template: \(Self.describe(error.error))",
                file: file,
                location: SourceLocation(file: file, line: line, column: column),
                detail: "    "
                    + (line == 1 ? String(error.context.line.dropFirst(Self.textPragma.count)) : error.context.line)
            )
        } catch {
            throw BuildError(code: .invalidTemplate, message: "invalid template: \(error)", file: file)
        }
        return template.render(variables.context)
    }

    private static func describe(_ error: any Error) -> String {
        // The parser's own error (an internal type) has one case that reaches here.
        if "\(error)" == "overflow" { return "the template ends inside a tag" }
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with another name than it was opened with"
        case .unfinishedName: return "a tag is not closed with '}}'"
        case .expectedSectionEnd: return "a section is opened but never closed"
        case .invalidSetDelimiter: return "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection: return "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "an inherit section holds a tag it may not"
        case .textInsideInheritSection: return "an inherit section holds text"
        case .invalidConfigVariableSyntax: return "a pragma is malformed"
        case .unrecognisedConfigVariable: return "a pragma is not known"
        }
    }
}
