//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A unit of code the release handler can name: a ``Server``, a ``Supervisor`` or a
/// ``Library``. Erlang's module: it has a name that is unique in its release and a version.
public protocol Module: SendableMetatype {
    /// The version of this module's code, Erlang's `-vsn`. Change it when the shape of the
    /// state changes: the upgrade planner then calls `codeChange` for it.
    static var vsn: Term { get }

    /// The module's name in manifests, `.app` files, appups and child specs. Defaults to the
    /// type's unqualified name; it must be unique in a release.
    static var moduleName: String { get }

    /// Runs `function` with `arguments`: what a relup's `{apply, {Module, Function, Args}}`
    /// calls (OTP's exported functions). The release handler calls it on the module's current
    /// code, outside any process, while the upgrade runs; what it does is not undone if the
    /// upgrade then rolls back. Default: there is no such function (an `undef` error).
    static func apply(_ function: String, _ arguments: [Term]) throws -> Term
}

extension Module {
    public static var moduleName: String { String(describing: Self.self) }

    public static func apply(_ function: String, _ arguments: [Term]) throws -> Term {
        throw RuntimeError(.badArgument, "undef: \(moduleName) exports no function '\(function)'/\(arguments.count)")
    }
}

/// A module that is neither a server nor a supervisor but is registered so that an upgrade
/// can name it (a `{load_module, M}` or the `modules` list of a child spec).
public protocol Library: Module {}

/// The kind of a module, as the manifest and the appup generator report it.
public enum ModuleKind: String, Hashable, Sendable {
    case server
    case supervisor
    case library
}
