//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A supervisor's code: Erlang's `supervisor` behaviour. The runtime implements the
/// supervision (start children in order, restart them by strategy, stop them in reverse
/// order, give up after too many restarts); the type only says what to supervise.
///
/// ```swift
/// public struct KVSupervisor: Supervisor {
///     public static let vsn: Term = 1
///     public init() {}
///     public func spec(_ args: Term) throws -> SupervisorSpec {
///         SupervisorSpec(strategy: .oneForOne, intensity: 3, period: 5, children: [
///             .worker(KV.self, registeredName: "kv"),
///         ])
///     }
/// }
/// ```
///
/// A code change of a supervisor calls the new version's ``spec(_:)`` with the original
/// arguments and updates the child specs of the running supervisor, as OTP's
/// `supervisor:code_change/3` does: running children keep running (with their pids); a child
/// that is new in the spec is not started by the change itself.
public protocol Supervisor: Module {
    init()

    /// `init/1`: the supervision flags and child specs, from the start arguments. It runs again
    /// on a code change, so it must have no side effects.
    func spec(_ args: Term) throws -> SupervisorSpec
}

/// A supervisor's flags and children (`{ok, {SupFlags, ChildSpecs}}`).
public struct SupervisorSpec: Hashable, Sendable {
    /// How the death of one child affects the others.
    public enum Strategy: String, Hashable, Sendable {
        /// Restart only the child that died.
        case oneForOne = "one_for_one"
        /// Stop every other child and restart them all.
        case oneForAll = "one_for_all"
        /// Stop the children started after the one that died and restart it and them.
        case restForOne = "rest_for_one"
    }

    public var strategy: Strategy
    /// At most this many restarts ...
    public var intensity: Int
    /// ... within this many seconds, else the supervisor stops its children and exits with
    /// `shutdown`.
    public var period: Int
    /// The children, in start order.
    public var children: [ChildSpec]

    /// OTP's defaults: `one_for_one`, at most 1 restart in 5 seconds.
    public init(strategy: Strategy = .oneForOne, intensity: Int = 1, period: Int = 5, children: [ChildSpec]) {
        self.strategy = strategy
        self.intensity = intensity
        self.period = period
        self.children = children
    }
}

/// One child of a supervisor (OTP's child specification map).
public struct ChildSpec: Hashable, Sendable {
    public static func == (lhs: ChildSpec, rhs: ChildSpec) -> Bool { lhs.term == rhs.term }

    public func hash(into hasher: inout Hasher) { hasher.combine(term) }

    /// When a child that died is restarted.
    public enum Restart: String, Hashable, Sendable {
        /// Always.
        case permanent
        /// Only after an abnormal exit (not `normal`, `shutdown` or `{shutdown, _}`).
        case transient
        /// Never.
        case temporary
    }

    /// How a child is stopped.
    public enum Shutdown: Hashable, Sendable {
        /// `exit(Child, kill)` at once.
        case brutalKill
        /// `exit(Child, shutdown)`, then `kill` after this many milliseconds.
        case timeout(Int)
        /// `exit(Child, shutdown)`, and wait as long as it takes (for supervisors).
        case infinity

        public var term: Term {
            switch self {
            case .brutalKill: return .atom("brutal_kill")
            case .timeout(let ms): return .integer(ms)
            case .infinity: return .atom("infinity")
            }
        }
    }

    /// Whether the child is a worker or a supervisor.
    public enum Kind: String, Hashable, Sendable {
        case worker
        case supervisor
    }

    /// The child's identifier, unique in its supervisor.
    public var id: String
    /// The module (server or supervisor name) the child runs; the code server's current code
    /// of it is started each time, so a restart after an upgrade starts the new code.
    public var module: String
    /// The start arguments.
    public var args: Term
    public var restart: Restart
    public var shutdown: Shutdown
    public var kind: Kind
    /// The modules the child's process uses (OTP's `modules`): the release handler suspends
    /// and changes the processes whose list names an upgraded module.
    public var modules: [String]
    /// A name the child is registered under while it runs.
    public var registeredName: String?
    /// The type, when the spec was made from one (``worker(_:id:args:restart:shutdown:modules:registeredName:)``):
    /// used when no loaded application has a module of that name (types registered directly,
    /// as in tests). The code server's current code of ``module`` always wins.
    public var type: (any Module.Type)?

    /// A child spec by module name. `shutdown` defaults to 5000 ms for a worker and
    /// `infinity` for a supervisor, `modules` to `[module]`, as in OTP.
    public init(
        id: String,
        module: String,
        args: Term = [],
        restart: Restart = .permanent,
        shutdown: Shutdown? = nil,
        kind: Kind = .worker,
        modules: [String]? = nil,
        registeredName: String? = nil
    ) {
        self.id = id
        self.module = module
        self.args = args
        self.restart = restart
        self.shutdown = shutdown ?? (kind == .supervisor ? .infinity : .timeout(5000))
        self.kind = kind
        self.modules = modules ?? [module]
        self.registeredName = registeredName
    }

    /// A worker running `server` (id: the module name unless given).
    public static func worker<S: Server>(
        _ server: S.Type,
        id: String? = nil,
        args: Term = [],
        restart: Restart = .permanent,
        shutdown: Shutdown = .timeout(5000),
        modules: [String]? = nil,
        registeredName: String? = nil
    ) -> ChildSpec {
        var spec = ChildSpec(
            id: id ?? S.moduleName,
            module: S.moduleName,
            args: args,
            restart: restart,
            shutdown: shutdown,
            kind: .worker,
            modules: modules,
            registeredName: registeredName
        )
        spec.type = server
        return spec
    }

    /// A child supervisor running `supervisor`.
    public static func supervisor<S: Supervisor>(
        _ supervisor: S.Type,
        id: String? = nil,
        args: Term = [],
        restart: Restart = .permanent,
        shutdown: Shutdown = .infinity,
        modules: [String]? = nil,
        registeredName: String? = nil
    ) -> ChildSpec {
        var spec = ChildSpec(
            id: id ?? S.moduleName,
            module: S.moduleName,
            args: args,
            restart: restart,
            shutdown: shutdown,
            kind: .supervisor,
            modules: modules,
            registeredName: registeredName
        )
        spec.type = supervisor
        return spec
    }

    /// The child spec as OTP prints it (`supervisor:get_childspec/2`): `#{id => Id, start =>
    /// {Module, start_link, [Args]}, restart => R, shutdown => S, type => T, modules => Ms}`,
    /// plus `registered_name => Name` when there is one.
    public var term: Term {
        var map: TermMap = [
            "id": .atom(id),
            "start": .tuple([.atom(module), .atom("start_link"), .list([args])]),
            "restart": .atom(restart.rawValue),
            "shutdown": shutdown.term,
            "type": .atom(kind.rawValue),
            "modules": .list(modules.map { .atom($0) }),
        ]
        if let registeredName { map["registered_name"] = .atom(registeredName) }
        return .map(map)
    }

    /// Reads a child spec in the shape ``term`` prints.
    public init(term: Term) throws {
        func bad(_ what: String) -> RuntimeError {
            RuntimeError(.badArgument, "bad child spec: \(what) in \(TermPrinter.printCompact(term))")
        }
        guard let map = term.mapValue else { throw bad("not a map") }
        guard let id = map["id"]?.atomValue else { throw bad("missing id") }
        guard let start = map["start"]?.tupleElements, start.count == 3, let module = start[0].atomValue,
            let startArgs = start[2].listElements, startArgs.count <= 1
        else { throw bad("start is not {Module, start_link, [Args]}") }
        let kind = try map["type"].map { term -> Kind in
            guard let value = term.atomValue.flatMap(Kind.init(rawValue:)) else { throw bad("bad type") }
            return value
        }
        let restart = try map["restart"].map { term -> Restart in
            guard let value = term.atomValue.flatMap(Restart.init(rawValue:)) else { throw bad("bad restart") }
            return value
        }
        let shutdown = try map["shutdown"].map { term -> Shutdown in
            switch term {
            case .atom("brutal_kill"): return .brutalKill
            case .atom("infinity"): return .infinity
            case .integer(let ms) where ms >= 0: return .timeout(ms)
            default: throw bad("bad shutdown")
            }
        }
        let modules = try map["modules"].map { term -> [String]? in
            if term == .atom("dynamic") { return nil }
            guard let names = term.listElements?.compactMap(\.atomValue) else { throw bad("bad modules") }
            return names
        }
        self.init(
            id: id,
            module: module,
            args: startArgs.first ?? [],
            restart: restart ?? .permanent,
            shutdown: shutdown,
            kind: kind ?? .worker,
            modules: modules ?? nil,
            registeredName: map["registered_name"]?.atomValue
        )
    }
}
