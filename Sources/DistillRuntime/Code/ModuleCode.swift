//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One version of one module's code: a type from one loaded image.
public struct ModuleCode: Sendable, CustomStringConvertible {
    /// The module's name (``Module/moduleName``).
    public let name: String
    public let kind: ModuleKind
    /// The module's ``Module/vsn``.
    public let vsn: Term
    /// The application that exported it (`nil` for a type registered directly, as in tests).
    public let application: String?
    /// The path of the plugin image it came from (`nil` for code linked into the runtime's host).
    public let image: String?
    /// The Swift type.
    public let type: any Module.Type
    let implementation: ModuleImplementation

    init(type: any Module.Type, application: String?, image: String?) {
        self.name = type.moduleName
        self.vsn = type.vsn
        self.application = application
        self.image = image
        self.type = type
        switch type {
        case let server as any Server.Type:
            kind = .server
            implementation = Self.implementation(server)
        case let supervisor as any Supervisor.Type:
            kind = .supervisor
            implementation = Self.implementation(supervisor)
        default:
            kind = .library
            implementation = ModuleImplementation()
        }
    }

    private static func implementation<S: Server>(_ type: S.Type) -> ModuleImplementation { ServerImplementation<S>() }

    private static func implementation<S: Supervisor>(_ type: S.Type) -> ModuleImplementation {
        SupervisorImplementation<S>()
    }

    public var description: String {
        "\(name) (\(kind.rawValue), vsn \(TermPrinter.printCompact(vsn))\(image.map { ", \($0)" } ?? ""))"
    }
}

/// Type-erased behaviour of a module's code: start a process on it, or build a body of it from
/// another version's running body.
// @unchecked: it has no stored state (a non-final class cannot be checked Sendable).
class ModuleImplementation: @unchecked Sendable {
    func start(code: ModuleCode, args: Term, _ ctx: ProcessContext) throws -> ProcessBody {
        throw RuntimeError(.notAServer, "\(code.name) is a library module; it cannot run a process")
    }

    /// A body of this code holding `previous`'s state, converted by `codeChange` (`advanced`)
    /// or decoded directly.
    func adopt(code: ModuleCode, previous: ProcessBody, oldVsn: Term, extra: Term, advanced: Bool) throws -> ProcessBody
    {
        throw RuntimeError(.notAServer, "\(code.name) is a library module; no process runs it")
    }

    /// The shape of the state, for the manifest (`nil` for supervisors and libraries).
    var stateShape: Term? { nil }
}

// @unchecked: no stored state, as its superclass.
final class ServerImplementation<S: Server>: ModuleImplementation, @unchecked Sendable {
    override func start(code: ModuleCode, args: Term, _ ctx: ProcessContext) throws -> ProcessBody {
        let server = S()
        let state = try server.start(args, ctx)
        return ServerBody(code: code, server: server, state: state)
    }

    override func adopt(
        code: ModuleCode,
        previous: ProcessBody,
        oldVsn: Term,
        extra: Term,
        advanced: Bool
    ) throws
        -> ProcessBody
    {
        guard !(previous is any SupervisorBodyMarker) else {
            throw RuntimeError(
                .notAServer,
                "\(code.name) is a server; the process runs supervisor \(previous.code.name)"
            )
        }
        // A soft change between two layouts of the same shared types moves the value as it is.
        if !advanced, let state = previous.transferState(as: S.State.self) {
            return ServerBody(code: code, server: S(), state: state)
        }
        // Down: the newer code converts its state to the older shape first (OTP's
        // code_change({down, Vsn}) in the module being replaced).
        let downgrading = advanced && oldVsn.tagged("down")?.count == 1
        let old: Term
        do {
            old =
                downgrading
                ? try previous.encodeState(downgradingTo: code.vsn, extra: extra)
                : try previous.encodeState()
        } catch {
            let what = downgrading ? "downgradeState to vsn \(code.vsn)" : "could not encode its state"
            throw RuntimeError(.codeChangeFailed, "\(previous.code.name) \(what): \(error)", reason: .error(error))
        }
        let server = S()
        do {
            let state =
                advanced
                ? try server.codeChange(from: oldVsn, state: old, extra: extra)
                : try StateCoding.decode(S.State.self, from: old)
            return ServerBody(code: code, server: server, state: state)
        } catch {
            throw RuntimeError(
                .codeChangeFailed,
                "\(code.name) \(advanced ? "codeChange" : "could not decode the old state"): \(error)",
                reason: .error(error)
            )
        }
    }

    override var stateShape: Term? { StateShape.describe(S.State.self) }
}

/// Marks supervisor bodies whatever their generic argument.
protocol SupervisorBodyMarker: AnyObject {
    var supervisorState: SupervisorState { get }
}

extension SupervisorBody: SupervisorBodyMarker {
    var supervisorState: SupervisorState { state }
}

// @unchecked: no stored state, as its superclass.
final class SupervisorImplementation<S: Supervisor>: ModuleImplementation, @unchecked Sendable {
    override func start(code: ModuleCode, args: Term, _ ctx: ProcessContext) throws -> ProcessBody {
        try SupervisorBody<S>.start(code: code, args: args, ctx)
    }

    override func adopt(
        code: ModuleCode,
        previous: ProcessBody,
        oldVsn: Term,
        extra: Term,
        advanced: Bool
    ) throws
        -> ProcessBody
    {
        guard let supervisor = previous as? any SupervisorBodyMarker else {
            throw RuntimeError(
                .notAServer,
                "\(code.name) is a supervisor; the process runs server \(previous.code.name)"
            )
        }
        do {
            return try SupervisorBody<S>.adopt(code: code, previous: supervisor.supervisorState)
        } catch {
            throw RuntimeError(
                .codeChangeFailed,
                "\(code.name) spec failed in its code change: \(error)",
                reason: .error(error)
            )
        }
    }
}
