//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// A release resource file, `releases/VSN/NAME.rel`:
/// `{release, {Name, Vsn}, {erts, ErtsVsn}, [Application]}.`
///
/// Each application entry takes one of OTP's four forms, `{App, Vsn}`,
/// `{App, Vsn, Type}`, `{App, Vsn, IncApps}` and `{App, Vsn, Type, IncApps}`; the
/// model keeps which one was written (``Application/type`` and
/// ``Application/includedApplications`` are `nil` when absent), so ``term`` gives the
/// same form back. For swift-distill, `erts` is the runtime's version.
public struct ReleaseSpec: Hashable, Sendable {
    /// One application of the release.
    public struct Application: Hashable, Sendable {
        /// The application's name.
        public var name: String
        /// Its version: `lib/NAME-VSN` holds it.
        public var version: String
        /// The start type, if written; ``effectiveType`` applies OTP's default.
        public var type: ApplicationType?
        /// The included applications, if written: they override the `.app`'s
        /// `included_applications` (and must be a subset of them).
        public var includedApplications: [String]?

        public init(
            name: String,
            version: String,
            type: ApplicationType? = nil,
            includedApplications: [String]? = nil
        ) {
            self.name = name
            self.version = version
            self.type = type
            self.includedApplications = includedApplications
        }

        /// The start type, `permanent` unless written.
        public var effectiveType: ApplicationType { type ?? .permanent }

        /// `{App, Vsn}`, `{App, Vsn, Type}`, `{App, Vsn, IncApps}` or `{App, Vsn, Type, IncApps}`.
        public var term: Term {
            var elements: [Term] = [.atom(name), .string(version)]
            if let type { elements.append(type.term) }
            if let includedApplications { elements.append(.list(includedApplications.map(Term.atom))) }
            return .tuple(elements)
        }
    }

    /// The release's name (a string, as OTP requires).
    public var name: String
    /// The release's version.
    public var version: String
    /// The version of the runtime (`{erts, Vsn}`).
    public var ertsVersion: String
    /// The applications, in boot order.
    public var applications: [Application]

    public init(name: String, version: String, ertsVersion: String, applications: [Application]) {
        self.name = name
        self.version = version
        self.ertsVersion = ertsVersion
        self.applications = applications
    }

    /// The application named `name`, if the release has it.
    public func application(named name: String) -> Application? {
        applications.first { $0.name == name }
    }
}

// MARK: - Terms

extension ReleaseSpec {
    /// The `{release, {Name, Vsn}, {erts, ErtsVsn}, [...]}` term.
    public var term: Term {
        .tuple([
            .atom("release"), .tuple([.string(name), .string(version)]),
            .tuple([.atom("erts"), .string(ertsVersion)]), .list(applications.map(\.term)),
        ])
    }

    /// Decodes a `{release, ...}` term read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file, Self.init(node:))
    }

    init(node: Node) throws(ReleaseFileError) {
        let parts = try node.tuple(
            "a .rel file",
            count: 4,
            shape: "{release, {Name, Vsn}, {erts, ErtsVsn}, [Application]}"
        )
        guard parts[0].term == .atom("release") else {
            throw parts[0].wrongShape("the first element of a .rel file", "the atom 'release'")
        }
        let nameAndVersion = try parts[1].tuple("the release's name and version", count: 2, shape: "{Name, Vsn}")
        name = try nameAndVersion[0].stringName("the release name")
        version = try nameAndVersion[1].stringName("the release version")
        let erts = try parts[2].tuple("the runtime version", count: 2, shape: "{erts, ErtsVsn}")
        guard erts[0].term == .atom("erts") else { throw parts[2].wrongShape("the runtime version", "{erts, ErtsVsn}") }
        ertsVersion = try erts[1].stringName("the erts version")
        applications = []
        var seen: [String: SourceLocation] = [:]
        for entry in try parts[3].list("the release's applications") {
            guard
                let application = node.context.attempt({ () throws(ReleaseFileError) in try Application(node: entry) })
            else { continue }
            if let first = seen[application.name] {
                node.context.record(
                    entry.duplicate("application '\(application.name)'", first: first)
                )
            }
            seen[application.name] = entry.location
            applications.append(application)
        }
    }
}

extension ReleaseSpec.Application {
    static let shapes = "{App, Vsn}, {App, Vsn, Type}, {App, Vsn, IncApps} or {App, Vsn, Type, IncApps}"

    init(node: Node) throws(ReleaseFileError) {
        guard case .tuple(let elements) = node.term, (2...4).contains(elements.count) else {
            throw node.wrongShape("an application of a release", Self.shapes)
        }
        let parts = node.parts
        name = try parts[0].atomName("an application name")
        version = try parts[1].stringName("the version of application '\(name)'")
        type = nil
        includedApplications = nil
        switch parts.count {
        case 3 where parts[2].term.listElements != nil:
            includedApplications = try parts[2].atomList("included applications", element: "an application name")
        case 3:
            type = try parts[2].oneOf("the start type of '\(name)'", ApplicationType.self)
        case 4:
            type = try parts[2].oneOf("the start type of '\(name)'", ApplicationType.self)
            includedApplications = try parts[3].atomList("included applications", element: "an application name")
        default:
            break
        }
    }
}
