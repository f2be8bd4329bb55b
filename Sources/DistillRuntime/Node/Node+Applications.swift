//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Running applications and their environment (OTP's application controller, the parts
/// a node needs to start and stop applications).
final class ApplicationController: Sendable {
    struct Running {
        var version: String
        var supervisor: Pid?
    }

    struct State {
        var running: [String: Running] = [:]
        var order: [String] = []
        var env: [String: [String: Term]] = [:]
    }

    let state = Mutex(State())
}

extension Node {
    /// Starts the current version of application `name` (its top supervisor, if it has one)
    /// and returns the supervisor's pid. The applications it needs must be running.
    @discardableResult
    public func startApplication(_ name: String) throws -> Pid? {
        guard let application = codeServer.application(name) else {
            throw RuntimeError(.unknownModule, "no loaded application named '\(name)'")
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
            state.running[name] = ApplicationController.Running(version: application.version, supervisor: supervisor)
            state.order.append(name)
        }
        logger.info("application started", metadata: ["application": "\(name)", "version": "\(application.version)"])
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
