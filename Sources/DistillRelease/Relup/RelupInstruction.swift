//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// A low-level instruction of a `relup` script, as `release_handler_1` runs it.
///
/// An appup may use any of them too (``AppupInstruction/lowLevel(_:)``).
public enum RelupInstruction: Hashable, Sendable {
    /// `{load_object_code, {App, AppVsn, [Mod]}}`: read the new code of `modules`
    /// (from `lib/App-AppVsn`); nothing is switched yet.
    case loadObjectCode(application: String, version: String, modules: [String])
    /// `point_of_no_return`: before it only `load_object_code` and `apply`; an error
    /// after it cannot be undone by OTP (swift-distill rolls back in place).
    case pointOfNoReturn
    /// `{load, {Mod, PrePurge, PostPurge}}`: make the loaded code current.
    case load(module: String, prePurge: PurgeMethod, postPurge: PurgeMethod)
    /// `{remove, {Mod, PrePurge, PostPurge}}`: make the current code old.
    case remove(module: String, prePurge: PurgeMethod, postPurge: PurgeMethod)
    /// `{purge, [Mod]}`: kill processes in old code and drop it.
    case purge(modules: [String])
    /// `{suspend, [Mod | {Mod, Timeout}]}`: suspend the modules' processes.
    case suspend([SuspendedModule])
    /// `{resume, [Mod]}`.
    case resume(modules: [String])
    /// `{code_change, [{Mod, Extra}]}` (direction `nil`: written without one, runs as
    /// `up`) or `{code_change, up | down, [{Mod, Extra}]}`.
    case codeChange(CodeChangeDirection?, [ModuleCodeChange])
    /// `{stop, [Mod]}`: stop the modules' processes through their supervisors.
    case stop(modules: [String])
    /// `{start, [Mod]}`: restart them.
    case start(modules: [String])
    /// `{sync_nodes, Id, [Node]}` or `{sync_nodes, Id, {M, F, A}}`: wait until the
    /// other nodes reach the same `Id`.
    case syncNodes(id: Term, SyncNodesTarget)
    /// `{apply, {M, F, A}}`: call a function.
    case apply(FunctionCall)
    /// `restart_new_emulator`: reboot into the new runtime, then go on with the script.
    case restartNewEmulator
    /// `restart_emulator`: reboot at the end of the script.
    case restartEmulator
}

/// A module to suspend, with the time to wait for each of its processes if written
/// (`{Mod, Timeout}`).
public struct SuspendedModule: Hashable, Sendable {
    public var module: String
    /// `nil` when written as a bare module name.
    public var timeout: UpgradeTimeout?

    public init(module: String, timeout: UpgradeTimeout? = nil) {
        self.module = module
        self.timeout = timeout
    }

    /// `Mod` or `{Mod, Timeout}`.
    public var term: Term {
        guard let timeout else { return .atom(module) }
        return .tuple([.atom(module), timeout.term])
    }
}

/// Which way a `code_change` runs: `up` (old version's state into new code) or
/// `down` (called as `{down, Vsn}` on the newer code, before it is replaced).
public enum CodeChangeDirection: String, Hashable, Sendable, CaseIterable {
    case up
    case down
}

/// One `{Mod, Extra}` of a `code_change` instruction.
public struct ModuleCodeChange: Hashable, Sendable {
    public var module: String
    /// The `Extra` argument handed to `code_change`.
    public var extra: Term

    public init(module: String, extra: Term) {
        self.module = module
        self.extra = extra
    }

    /// `{Mod, Extra}`.
    public var term: Term { .tuple([.atom(module), extra]) }
}

/// The nodes a `sync_nodes` instruction waits for.
public enum SyncNodesTarget: Hashable, Sendable {
    /// A list of node names.
    case nodes([String])
    /// A function returning the list of node names.
    case function(FunctionCall)

    public var term: Term {
        switch self {
        case .nodes(let nodes): .list(nodes.map(Term.atom))
        case .function(let call): call.term
        }
    }
}

// MARK: - Terms

extension RelupInstruction {
    /// Every low-level instruction name, for "did you mean".
    static let names = [
        "load_object_code", "point_of_no_return", "load", "remove", "purge", "suspend", "resume", "code_change",
        "stop", "start", "sync_nodes", "apply", "restart_new_emulator", "restart_emulator",
    ]

    /// The instruction as a relup writes it.
    public var term: Term {
        func tagged(_ tag: String, _ elements: Term...) -> Term { .tuple([.atom(tag)] + elements) }
        func modules(_ names: [String]) -> Term { .list(names.map(Term.atom)) }
        switch self {
        case .loadObjectCode(let application, let version, let names):
            return tagged("load_object_code", .tuple([.atom(application), .string(version), modules(names)]))
        case .pointOfNoReturn:
            return .atom("point_of_no_return")
        case .load(let module, let prePurge, let postPurge):
            return tagged("load", .tuple([.atom(module), prePurge.term, postPurge.term]))
        case .remove(let module, let prePurge, let postPurge):
            return tagged("remove", .tuple([.atom(module), prePurge.term, postPurge.term]))
        case .purge(let names): return tagged("purge", modules(names))
        case .suspend(let targets): return tagged("suspend", .list(targets.map(\.term)))
        case .resume(let names): return tagged("resume", modules(names))
        case .codeChange(nil, let changes): return tagged("code_change", .list(changes.map(\.term)))
        case .codeChange(let direction?, let changes):
            return tagged("code_change", .atom(direction.rawValue), .list(changes.map(\.term)))
        case .stop(let names): return tagged("stop", modules(names))
        case .start(let names): return tagged("start", modules(names))
        case .syncNodes(let id, let target): return tagged("sync_nodes", id, target.term)
        case .apply(let call): return tagged("apply", call.term)
        case .restartNewEmulator: return .atom("restart_new_emulator")
        case .restartEmulator: return .atom("restart_emulator")
        }
    }

    /// Decodes a low-level instruction read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file) { (node: Node) throws(ReleaseFileError) in
            guard let instruction = try Self(node: node) else { throw InstructionName.unknown(node, appup: false) }
            return instruction
        }
    }

    /// Decodes `node` if it names a low-level instruction; `nil` if it names none.
    init?(node: Node) throws(ReleaseFileError) {
        switch node.term {
        case .atom("point_of_no_return"): self = .pointOfNoReturn
        case .atom("restart_new_emulator"): self = .restartNewEmulator
        case .atom("restart_emulator"): self = .restartEmulator
        case .atom(let name) where Self.names.contains(name):
            self = try Self(name: name, node: node)  // an instruction that needs arguments: an arity error
        case .tuple(let elements):
            guard case .atom(let name) = elements.first, Self.names.contains(name) else { return nil }
            self = try Self(name: name, node: node)
        default:
            return nil
        }
    }

    private init(name: String, node: Node) throws(ReleaseFileError) {
        let parts = Array(node.parts.dropFirst())
        func arity(_ counts: Int..., forms: String) throws(ReleaseFileError) {
            guard counts.contains(parts.count) else { throw InstructionName.wrongArity(node, name: name, forms: forms) }
        }
        switch name {
        case "load_object_code":
            try arity(1, forms: "{load_object_code, {App, AppVsn, [Mod]}}")
            let target = try parts[0].tuple(
                "the target of load_object_code",
                count: 3,
                shape: "an {App, AppVsn, [Mod]} tuple"
            )
            self = .loadObjectCode(
                application: try target[0].atom("an application name"),
                version: try target[1].string("the application version of load_object_code"),
                modules: try target[2].modules("the modules of load_object_code")
            )
        case "load", "remove":
            try arity(1, forms: "{\(name), {Mod, PrePurge, PostPurge}}")
            let target = try parts[0].tuple(
                "the target of \(name)",
                count: 3,
                shape: "a {Mod, PrePurge, PostPurge} tuple"
            )
            let module = try target[0].atom("a module name")
            let prePurge = try target[1].oneOf("the pre-purge method", PurgeMethod.self)
            let postPurge = try target[2].oneOf("the post-purge method", PurgeMethod.self)
            self =
                name == "load"
                ? .load(module: module, prePurge: prePurge, postPurge: postPurge)
                : .remove(module: module, prePurge: prePurge, postPurge: postPurge)
        case "purge", "resume", "stop", "start":
            try arity(1, forms: "{\(name), [Mod]}")
            let modules = try parts[0].modules("the modules of \(name)")
            switch name {
            case "purge": self = .purge(modules: modules)
            case "resume": self = .resume(modules: modules)
            case "stop": self = .stop(modules: modules)
            default: self = .start(modules: modules)
            }
        case "suspend":
            try arity(1, forms: "{suspend, [Mod | {Mod, Timeout}]}")
            var targets: [SuspendedModule] = []
            for target in try parts[0].list("the modules of suspend") {
                if case .tuple = target.term {
                    let pair = try target.tuple("a module to suspend", count: 2, shape: "Mod or {Mod, Timeout}")
                    targets.append(
                        SuspendedModule(
                            module: try pair[0].atom("a module name"),
                            timeout: try UpgradeTimeout(node: pair[1])
                        )
                    )
                } else {
                    targets.append(SuspendedModule(module: try target.atom("a module to suspend")))
                }
            }
            self = .suspend(targets)
        case "code_change":
            try arity(1, 2, forms: "{code_change, [{Mod, Extra}]} or {code_change, up | down, [{Mod, Extra}]}")
            let direction =
                parts.count == 2 ? try parts[0].oneOf("the code_change direction", CodeChangeDirection.self) : nil
            var changes: [ModuleCodeChange] = []
            for change in try parts[parts.count - 1].list("the modules of code_change") {
                let pair = try change.tuple("a module of code_change", count: 2, shape: "a {Mod, Extra} tuple")
                changes.append(ModuleCodeChange(module: try pair[0].atom("a module name"), extra: pair[1].term))
            }
            self = .codeChange(direction, changes)
        case "sync_nodes":
            try arity(2, forms: "{sync_nodes, Id, [Node]} or {sync_nodes, Id, {M, F, A}}")
            if case .tuple = parts[1].term {
                self = .syncNodes(id: parts[0].term, .function(try FunctionCall(node: parts[1])))
            } else {
                let nodes = try parts[1].atomList("the nodes of sync_nodes", element: "a node name")
                self = .syncNodes(id: parts[0].term, .nodes(nodes))
            }
        case "apply":
            try arity(1, forms: "{apply, {M, F, A}}")
            self = .apply(try FunctionCall(node: parts[0]))
        default:
            // point_of_no_return, restart_new_emulator, restart_emulator written as tuples.
            throw node.error(.wrongArity, "\(name) is written as a bare atom, not \(node.snippet)")
        }
    }
}

/// Messages shared by the appup and relup instruction decoders.
enum InstructionName {
    /// Hints for names OTP once had or never implemented.
    static let hints = [
        "restart": "release_handler cannot run 'restart'; did you mean 'restart_emulator'?",
        "reboot": "release_handler cannot run 'reboot'; did you mean 'restart_emulator'?",
        "remove_module": "did you mean 'delete_module'?",
        "mnesia_backup": "OTP never implemented mnesia_backup",
    ]

    static func wrongArity(_ node: Node, name: String, forms: String) -> ReleaseFileError {
        node.error(.wrongArity, "wrong number of elements in \(node.snippet); \(name) is written \(forms)")
    }

    static func unknown(_ node: Node, appup: Bool) -> ReleaseFileError {
        let names = appup ? AppupInstruction.names + RelupInstruction.names : RelupInstruction.names
        let kind = appup ? "appup" : "relup"
        let name: String? =
            switch node.term {
            case .atom(let atom): atom
            case .tuple(let elements): elements.first?.atomValue
            default: nil
            }
        let suggestion = name.map { hints[$0].map { "; " + $0 } ?? Suggestion.didYouMean($0, among: names) } ?? ""
        return node.error(.unknownInstruction, "unknown \(kind) instruction \(node.snippet)\(suggestion)")
    }
}
