//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// An application resource file, `ebin/APP.app`:
/// `{application, App, [{description, Str}, {vsn, Vsn}, {modules, [Mod]}, ...]}.`
///
/// Decoding follows OTP 25's `systools_make`: `description`, `vsn`, `modules`,
/// `registered` and `applications` must be present; the other keys are optional and
/// their absence is kept (`nil`), so re-encoding writes the same keys. Keys OTP does
/// not read are kept in ``otherProperties`` (OTP ignores them; rebar3 writes a few,
/// such as `licenses`), and ``ReleaseFileChecker`` warns about one that is spelt
/// like a key OTP reads (`applicatons`). A key given twice is an error (OTP would
/// silently take the first).
///
/// ``term`` writes the keys in this order: description, id, vsn, modules, registered,
/// applications, included_applications, optional_applications, env, mod,
/// start_phases, maxT, maxP, runtime_dependencies, then ``otherProperties``.
/// `{mod, []}` (OTP's spelling of "no callback module") and `{start_phases,
/// undefined}` decode to `nil` and are not written back.
public struct ApplicationSpec: Hashable, Sendable {
    /// A limit on `maxP` (processes) or `maxT` (run time in ms): a positive integer or `infinity`.
    public enum Limit: Hashable, Sendable {
        /// `infinity`, OTP's default.
        case infinity
        /// A number greater than 0.
        case value(Int)

        /// The atom or integer.
        public var term: Term {
            switch self {
            case .infinity: .atom("infinity")
            case .value(let value): .integer(value)
            }
        }
    }

    /// The application callback module and its start argument: `{mod, {Module, Args}}`.
    public struct StartModule: Hashable, Sendable {
        public var module: String
        public var arguments: Term

        public init(module: String, arguments: Term) {
            self.module = module
            self.arguments = arguments
        }
    }

    /// One start phase, `{Phase, PhaseArgs}`.
    public struct StartPhase: Hashable, Sendable {
        public var name: String
        public var arguments: Term

        public init(name: String, arguments: Term) {
            self.name = name
            self.arguments = arguments
        }
    }

    /// The application's name (`App`).
    public var name: String
    /// `description`: a one-line description.
    public var description: String
    /// `id`: a product identification, if given.
    public var id: String?
    /// `vsn`: the application's version.
    public var version: String
    /// `modules`: every module the application introduces.
    public var modules: [String]
    /// `registered`: the process names it registers.
    public var registered: [String]
    /// `applications`: the applications that must be started before it.
    public var applications: [String]
    /// `included_applications`, if given.
    public var includedApplications: [String]?
    /// `optional_applications` (OTP 24+): applications in ``applications`` that may be missing.
    public var optionalApplications: [String]?
    /// `env`: default configuration parameters, if given.
    public var environment: [ConfigParameter]?
    /// `mod`: the callback module, if the application is started by one.
    public var startModule: StartModule?
    /// `start_phases`, if given.
    public var startPhases: [StartPhase]?
    /// `maxT`, if given.
    public var maxTime: Limit?
    /// `maxP`, if given.
    public var maxProcesses: Limit?
    /// `runtime_dependencies`: `"App-Vsn"` strings, if given.
    public var runtimeDependencies: [String]?
    /// Keys OTP does not read, with their values, in file order.
    public var otherProperties: [ConfigParameter]

    public init(
        name: String,
        description: String,
        id: String? = nil,
        version: String,
        modules: [String],
        registered: [String] = [],
        applications: [String],
        includedApplications: [String]? = nil,
        optionalApplications: [String]? = nil,
        environment: [ConfigParameter]? = nil,
        startModule: StartModule? = nil,
        startPhases: [StartPhase]? = nil,
        maxTime: Limit? = nil,
        maxProcesses: Limit? = nil,
        runtimeDependencies: [String]? = nil,
        otherProperties: [ConfigParameter] = []
    ) {
        self.name = name
        self.description = description
        self.id = id
        self.version = version
        self.modules = modules
        self.registered = registered
        self.applications = applications
        self.includedApplications = includedApplications
        self.optionalApplications = optionalApplications
        self.environment = environment
        self.startModule = startModule
        self.startPhases = startPhases
        self.maxTime = maxTime
        self.maxProcesses = maxProcesses
        self.runtimeDependencies = runtimeDependencies
        self.otherProperties = otherProperties
    }
}

/// One configuration parameter `{Key, Value}` of an application's environment
/// (`env` in an `.app`, an application's list in `sys.config`).
public struct ConfigParameter: Hashable, Sendable {
    /// The parameter's name (an atom).
    public var key: String
    /// Its value.
    public var value: Term

    public init(key: String, value: Term) {
        self.key = key
        self.value = value
    }

    /// `{Key, Value}`.
    public var term: Term { .tuple([.atom(key), value]) }
}

// MARK: - Terms

extension ApplicationSpec {
    /// The keys OTP reads from an `.app` file, in the order ``term`` writes them.
    public static let knownKeys = [
        "description", "id", "vsn", "modules", "registered", "applications", "included_applications",
        "optional_applications", "env", "mod", "start_phases", "maxT", "maxP", "runtime_dependencies",
    ]

    /// The `{application, App, [...]}` term.
    public var term: Term {
        var properties: [Term] = []
        func add(_ key: String, _ value: Term?) {
            if let value { properties.append(.tuple([.atom(key), value])) }
        }
        func atoms(_ names: [String]?) -> Term? { names.map { .list($0.map(Term.atom)) } }
        add("description", .string(description))
        add("id", id.map(Term.string))
        add("vsn", .string(version))
        add("modules", atoms(modules))
        add("registered", atoms(registered))
        add("applications", atoms(applications))
        add("included_applications", atoms(includedApplications))
        add("optional_applications", atoms(optionalApplications))
        add("env", environment.map { .list($0.map(\.term)) })
        add("mod", startModule.map { .tuple([.atom($0.module), $0.arguments]) })
        add("start_phases", startPhases.map { .list($0.map { .tuple([.atom($0.name), $0.arguments]) }) })
        add("maxT", maxTime?.term)
        add("maxP", maxProcesses?.term)
        add("runtime_dependencies", runtimeDependencies.map { .list($0.map(Term.string)) })
        properties += otherProperties.map(\.term)
        return .tuple([.atom("application"), .atom(name), .list(properties)])
    }

    /// Decodes an `{application, App, [...]}` term read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file, Self.init(node:))
    }

    init(node: Node) throws(ReleaseFileError) {
        let parts = try node.tuple("an .app file", count: 3, shape: "{application, Name, [Key-value pairs]}")
        guard parts[0].term == .atom("application") else {
            throw parts[0].wrongShape("the first element of an .app file", "the atom 'application'")
        }
        let name = try parts[1].atomName("the application name")
        self.init(name: name, description: "", version: "", modules: [], applications: [])
        let seen = try parts[2].properties(
            "the properties of application '\(name)'",
            noun: ".app key",
            known: Self.knownKeys,
            unknown: { (property: Property) throws(ReleaseFileError) in
                let suggestion = Suggestion.closest(to: property.key, among: Self.knownKeys)
                if let suggestion {
                    property.entry.warn(
                        .ignoredKey,
                        "OTP ignores the .app key '\(property.key)'; did you mean '\(suggestion)'?"
                    )
                }
                self.otherProperties.append(ConfigParameter(key: property.key, value: property.value.term))
                return true
            },
            { (property: Property) throws(ReleaseFileError) in try self.decode(property) }
        )
        parts[2].requireKeys(
            ["description", "vsn", "modules", "registered", "applications"],
            in: seen,
            owner: "application '\(name)'"
        )
    }

    private mutating func decode(_ property: Property) throws(ReleaseFileError) {
        let value = property.value
        let key = "'\(property.key)'"
        switch property.key {
        case "description": description = try value.string(key)
        case "id": id = try value.string(key)
        case "vsn": version = try value.safeName(try value.string(key), "the version of application '\(name)'")
        case "modules": modules = try value.atomList(key, element: "a module name in 'modules'")
        case "registered": registered = try value.atomList(key, element: "a registered name")
        case "applications": applications = try value.atomList(key, element: "an application name")
        case "included_applications":
            includedApplications = try value.atomList(key, element: "an application name")
        case "optional_applications":
            optionalApplications = try value.atomList(key, element: "an application name")
        case "env": environment = try value.configParameters(key, owner: "'env'")
        case "mod":
            if value.term.isNil { return }
            let pair = try value.tuple(key, count: 2, shape: "{Module, StartArgs} or []")
            startModule = StartModule(module: try pair[0].atom("the callback module"), arguments: pair[1].term)
        case "start_phases":
            if value.term == .atom("undefined") { return }
            var phases: [StartPhase] = []
            for phase in try value.list(key) {
                let pair = try phase.tuple("a start phase", count: 2, shape: "a {Phase, PhaseArgs} tuple")
                phases.append(StartPhase(name: try pair[0].atom("a start phase name"), arguments: pair[1].term))
            }
            startPhases = phases
        case "maxT": maxTime = try value.limit(key)
        case "maxP": maxProcesses = try value.limit(key)
        case "runtime_dependencies":
            runtimeDependencies = try value.stringList(key, element: "a runtime dependency")
        default: preconditionFailure("ApplicationSpec.knownKeys and decode(_:) disagree on '\(property.key)'")
        }
    }
}

extension Node {
    /// A list of `{Key, Value}` parameters with atom keys; a key given twice is an error.
    ///
    /// - Parameters:
    ///   - role: what the list is (`"'env'"`).
    ///   - owner: whose parameters they are, for an element's error (`"application 'kv'"`).
    func configParameters(_ role: String, owner: String) throws(ReleaseFileError) -> [ConfigParameter] {
        var parameters: [ConfigParameter] = []
        var seen: [String: SourceLocation] = [:]
        for element in try list(role) {
            let pair = try element.tuple("a parameter of \(owner)", count: 2, shape: "a {Key, Value} tuple")
            let key = try pair[0].atom("a parameter name")
            if let first = seen[key] {
                throw element.duplicate("parameter '\(key)'", first: first)
            }
            seen[key] = element.location
            parameters.append(ConfigParameter(key: key, value: pair[1].term))
        }
        return parameters
    }

    fileprivate func limit(_ role: String) throws(ReleaseFileError) -> ApplicationSpec.Limit {
        if term == .atom("infinity") { return .infinity }
        guard let value = term.intValue, value > 0 else {
            throw wrongShape(role, "infinity or an integer greater than 0")
        }
        return .value(value)
    }
}
