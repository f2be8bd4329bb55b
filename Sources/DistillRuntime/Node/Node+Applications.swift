//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import Logging
import Synchronization

/// Running applications and their environment (OTP's application controller, the parts
/// a node needs to start and stop applications).
final class ApplicationController: Sendable {
    struct Running {
        var version: String
        var supervisor: Pid?
        var type: ApplicationType
    }

    struct State {
        var running: [String: Running] = [:]
        var order: [String] = []
        var env: [String: [String: Term]] = [:]
    }

    let state = Mutex(State())

    /// Told when a running application's top supervisor exits without ``Node/stopApplication(_:timeout:)``
    /// (the release node stops the node for a permanent one, as OTP's application controller does).
    let exitHandler = Mutex<(@Sendable (ApplicationExit) -> Void)?>(nil)
}

/// A running application whose top supervisor exited on its own (OTP's "application exited").
public struct ApplicationExit: Sendable {
    public var name: String
    public var version: String
    public var type: ApplicationType
    public var reason: ExitReason

    /// Whether OTP's application controller stops the node for this exit: always for a
    /// `permanent` application, for a `transient` one unless the reason is `normal`.
    public var stopsNode: Bool {
        switch type {
        case .permanent: true
        case .transient: reason != .normal
        case .temporary, .load, .unloaded: false
        }
    }
}

extension Node {
    /// Starts the current version of application `name` (its top supervisor, if it has one)
    /// and returns the supervisor's pid. The applications it needs must be running.
    ///
    /// `type` is OTP's restart type (`application:start/2`): what happens when the application's
    /// top supervisor exits later on its own (``ApplicationExit/stopsNode``). `load` and `none`
    /// are not start types.
    @discardableResult
    public func startApplication(_ name: String, type: ApplicationType = .temporary) throws -> Pid? {
        guard let application = codeServer.application(name) else {
            throw RuntimeError(.unknownModule, "no loaded application named '\(name)'")
        }
        guard [.permanent, .transient, .temporary].contains(type) else {
            throw RuntimeError(.badArgument, "'\(type.rawValue)' is not a start type (permanent, transient, temporary)")
        }
        let (running, missing): (Bool, [String]) = applications.state.withLock { state in
            (state.running[name] != nil, application.applications.filter { state.running[$0] == nil })
        }
        if running { throw RuntimeError(.badArgument, "application \(name) is already started") }
        if !missing.isEmpty {
            throw RuntimeError(
                .badArgument,
                "application \(name) needs \(missing.joined(separator: ", ")) started first"
            )
        }
        applications.state.withLock { state in
            var env = state.env[name] ?? [:]
            for (key, value) in application.env where env[key] == nil { env[key] = value }
            state.env[name] = env
        }
        var supervisor: Pid?
        if let start = application.start {
            let code = try codeServer.currentCode(start.module)
            guard code.kind == .supervisor else {
                throw RuntimeError(.notAServer, "the start module \(start.module) of \(name) is not a supervisor")
            }
            supervisor = try spawn(code, args: start.args, options: SpawnOptions(trapExit: true)).pid
        }
        applications.state.withLock { state in
            state.running[name] = ApplicationController.Running(
                version: application.version,
                supervisor: supervisor,
                type: type
            )
            state.order.append(name)
        }
        logger.info(
            "application started",
            metadata: ["application": "\(name)", "version": "\(application.version)", "type": "\(type.rawValue)"]
        )
        return supervisor
    }

    /// Stops application `name`: its supervision tree shuts down (children in reverse order).
    public func stopApplication(_ name: String, timeout: Timeout = .infinity) throws {
        guard
            let running = applications.state.withLock({ state -> ApplicationController.Running? in
                defer {
                    state.running[name] = nil
                    state.order.removeAll { $0 == name }
                }
                return state.running[name]
            })
        else { throw RuntimeError(.badArgument, "application \(name) is not started") }
        if let supervisor = running.supervisor { stop(supervisor, reason: .shutdown, timeout: timeout) }
        logger.info("application stopped", metadata: ["application": "\(name)"])
    }

    /// The running applications in start order, with their versions and top supervisors.
    public var runningApplications: [(name: String, version: String, supervisor: Pid?)] {
        applications.state.withLock { state in
            state.order.compactMap { name in state.running[name].map { (name, $0.version, $0.supervisor) } }
        }
    }

    /// The start type of running application `name`.
    public func applicationType(_ name: String) -> ApplicationType? {
        applications.state.withLock { $0.running[name]?.type }
    }

    /// Called with each application whose top supervisor exits on its own; replaces the
    /// previous handler. Without one, such an exit is only logged.
    public func onApplicationExit(_ handler: (@Sendable (ApplicationExit) -> Void)?) {
        applications.exitHandler.withLock { $0 = handler }
    }

    /// `pid` exited: if it was a running application's top supervisor, the application has
    /// exited (OTP's application master noticing its top supervisor die).
    func applicationSupervisorExited(_ pid: Pid, reason: ExitReason) {
        let exited: ApplicationExit? = applications.state.withLock { state in
            guard let name = state.order.first(where: { state.running[$0]?.supervisor == pid }),
                let running = state.running.removeValue(forKey: name)
            else { return nil }
            state.order.removeAll { $0 == name }
            return ApplicationExit(name: name, version: running.version, type: running.type, reason: reason)
        }
        guard let exited else { return }
        let level: Logger.Level = exited.stopsNode ? .critical : (reason == .normal ? .info : .error)
        logger.log(
            level: level,
            "application exited",
            metadata: [
                "application": "\(exited.name)", "type": "\(exited.type.rawValue)",
                "reason": "\(TermPrinter.printCompact(reason.term))",
            ]
        )
        applications.exitHandler.withLock { $0 }?(exited)
    }

    /// An application's configuration value (`application:get_env/2`): `sys.config` values
    /// set with ``setEnvironment(_:_:_:)`` win over the application's defaults.
    public func environment(_ application: String, _ key: String) -> Term? {
        if let value = applications.state.withLock({ $0.env[application]?[key] }) { return value }
        return codeServer.application(application)?.env.first { $0.key == key }?.value
    }

    /// Sets an application's configuration value (`application:set_env/3`, `sys.config`).
    public func setEnvironment(_ application: String, _ key: String, _ value: Term) {
        applications.state.withLock { $0.env[application, default: [:]][key] = value }
    }
}

extension ProcessContext {
    /// A configuration value of this process's application (or of `application`).
    public func environment(_ key: String, application: String? = nil) -> Term? {
        guard let name = application ?? process.body?.code.application else { return nil }
        return node.environment(name, key)
    }
}
