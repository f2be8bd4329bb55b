//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// How the old code of a module is purged when new code is loaded:
/// `soft_purge | brutal_purge`.
///
/// `brutal_purge` kills processes still running the old code; `soft_purge` leaves
/// them, and the release handler refuses the install if any remain (`old_processes`).
public enum PurgeMethod: String, Hashable, Sendable, CaseIterable {
    /// `soft_purge`.
    case softPurge = "soft_purge"
    /// `brutal_purge`, OTP's default.
    case brutalPurge = "brutal_purge"

    /// The atom.
    public var term: Term { .atom(rawValue) }
}

/// Whether an updated module's processes are found from supervisor child specs
/// (`dynamic`, a `gen_server` and the like) or are the supervisors themselves
/// (`static`): `static | dynamic`.
public enum ModuleType: String, Hashable, Sendable, CaseIterable {
    /// `static`: the module is a supervisor (or otherwise listed statically).
    case `static`
    /// `dynamic`, the default.
    case dynamic

    /// The atom.
    public var term: Term { .atom(rawValue) }
}

/// How long the release handler waits for a process to suspend:
/// a positive integer (milliseconds), `default` (5 seconds) or `infinity`.
public enum UpgradeTimeout: Hashable, Sendable {
    /// `default`: the release handler's default.
    case `default`
    /// `infinity`: wait as long as it takes.
    case infinity
    /// A number of milliseconds, always greater than 0.
    case milliseconds(Int)

    /// The atom or integer.
    public var term: Term {
        switch self {
        case .default: .atom("default")
        case .infinity: .atom("infinity")
        case .milliseconds(let value): .integer(value)
        }
    }

    init(node: Node) throws(ReleaseFileError) {
        switch node.term {
        case .atom("default"): self = .default
        case .atom("infinity"): self = .infinity
        case .integer(let value) where value > 0: self = .milliseconds(value)
        default:
            let suggestion =
                node.term.atomValue.map { Suggestion.didYouMean($0, among: ["default", "infinity"]) } ?? ""
            throw node.error(
                .invalidValue,
                "timeout must be default, infinity or an integer greater than 0, found \(node.snippet)"
                    + suggestion
            )
        }
    }
}

/// How an updated module's processes change their state: `soft` (they keep it as it
/// is) or `{advanced, Extra}` (each gets `code_change(OldVsn, State, Extra)`).
public enum UpdateChange: Hashable, Sendable {
    /// `soft`: the state does not change shape; no `code_change` call.
    case soft
    /// `{advanced, Extra}`: call `code_change` with `Extra`.
    case advanced(Term)

    /// `soft` or `{advanced, Extra}`.
    public var term: Term {
        switch self {
        case .soft: .atom("soft")
        case .advanced(let extra): .tuple([.atom("advanced"), extra])
        }
    }

    /// Whether `term` could be a change: OTP tells a change from a dependency list by
    /// this test (`soft` or any tuple), then checks the tuple.
    static func looksLikeChange(_ term: Term) -> Bool {
        if case .tuple = term { return true }
        return term == .atom("soft")
    }

    init(node: Node) throws(ReleaseFileError) {
        if node.term == .atom("soft") {
            self = .soft
        } else if let parts = node.term.tagged("advanced"), parts.count == 1 {
            self = .advanced(parts[0])
        } else {
            throw node.error(.invalidValue, "change must be soft or {advanced, Extra}, found \(node.snippet)")
        }
    }
}

/// A function call `{Module, Function, Arguments}` as `apply` and `sync_nodes` carry it.
public struct FunctionCall: Hashable, Sendable {
    /// The module.
    public var module: String
    /// The function.
    public var function: String
    /// The arguments, a proper list.
    public var arguments: [Term]

    public init(module: String, function: String, arguments: [Term]) {
        self.module = module
        self.function = function
        self.arguments = arguments
    }

    /// `{M, F, A}`.
    public var term: Term { .tuple([.atom(module), .atom(function), .list(arguments)]) }

    init(node: Node) throws(ReleaseFileError) {
        let parts = try node.tuple("the function call", count: 3, shape: "a {Module, Function, Arguments} tuple")
        module = try parts[0].atom("the module of a function call")
        function = try parts[1].atom("the function of a function call")
        guard let arguments = parts[2].term.listElements else {
            throw parts[2].wrongShape("the arguments of a function call", "a list")
        }
        self.arguments = arguments
    }
}

/// How an application is started: `permanent` (the default; if it stops, the node
/// stops), `transient`, `temporary`, `load` (loaded, not started) or `none` (neither).
public enum ApplicationType: String, Hashable, Sendable, CaseIterable {
    /// `permanent`.
    case permanent
    /// `transient`.
    case transient
    /// `temporary`.
    case temporary
    /// `load`: loaded but not started.
    case load
    /// `none`: neither loaded nor started. (Not called `none`, which would read as
    /// `Optional.none` wherever the type is optional.)
    case unloaded = "none"

    /// The atom.
    public var term: Term { .atom(rawValue) }
}

extension Node {
    /// A list of module names.
    func modules(_ role: String) throws(ReleaseFileError) -> [String] {
        try atomList(role, element: "a module name")
    }
}
