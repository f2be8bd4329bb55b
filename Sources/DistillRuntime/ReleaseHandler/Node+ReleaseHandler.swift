//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A supervised process as the release handler finds it (`release_handler_1:get_supervised_procs/0`).
struct SupervisedChild: Hashable, Sendable {
    var supervisor: Pid
    var id: String
    var pid: Pid
    var modules: [String]
}

extension Node {
    /// The code `pid` runs now, or `nil` if it is dead.
    func runningCode(_ pid: Pid) -> ModuleCode? {
        guard let process = process(pid) else { return nil }
        return process.locked { $0.status == .dead ? nil : $0.code }
    }

    /// Live processes whose code is some version of `module`, with that code.
    func processes(runningModule module: String) -> [(pid: Pid, code: ModuleCode)] {
        table.all.compactMap { process in
            guard let code = process.locked({ $0.status == .dead ? nil : $0.code }), code.name == module else {
                return nil
            }
            return (process.pid, code)
        }
    }

    /// Live processes running the code of an image's type that is not its module's current
    /// code (`types`: the types to look for).
    func processes(runningAnyOf types: [any Module.Type]) -> [Pid] {
        let wanted = Set(types.map { ObjectIdentifier($0) })
        return table.all.compactMap { process in
            guard let code = process.locked({ $0.status == .dead ? nil : $0.code }),
                wanted.contains(ObjectIdentifier(code.type))
            else { return nil }
            return process.pid
        }
    }

    /// How many messages `pid` has handled, or `nil` if it is dead.
    func messagesHandled(_ pid: Pid) -> Int? {
        guard let process = process(pid) else { return nil }
        return process.locked { $0.status == .dead ? nil : $0.messagesHandled }
    }

    /// Every supervised process, walking down from each running application's top
    /// supervisor with `which_children` (depth first, as OTP's release handler does).
    func supervisedProcesses(timeout: Timeout) throws -> [SupervisedChild] {
        var result: [SupervisedChild] = []
        func walk(_ supervisor: Pid) throws {
            let children = try call(.pid(supervisor), "which_children", timeout: timeout).listElements ?? []
            for child in children {
                guard let fields = child.tupleElements, fields.count == 4, let id = fields[0].atomValue,
                    case .pid(let pid) = fields[1]
                else { continue }
                let modules = fields[3].listElements?.compactMap(\.atomValue) ?? []
                result.append(SupervisedChild(supervisor: supervisor, id: id, pid: pid, modules: modules))
                if fields[2] == .atom("supervisor") { try walk(pid) }
            }
        }
        for application in runningApplications {
            if let supervisor = application.supervisor { try walk(supervisor) }
        }
        return result
    }

    // MARK: - Application environment

    /// The whole application environment, for an undo log.
    var environmentSnapshot: [String: [String: Term]] { applications.state.withLock { $0.env } }

    /// Puts back what ``environmentSnapshot`` returned.
    func restoreEnvironment(_ snapshot: [String: [String: Term]]) {
        applications.state.withLock { $0.env = snapshot }
    }

    /// Replaces the environment of each application of `configuration` and of each of
    /// `applications` with its current version's defaults overlaid by `configuration`'s
    /// values (what OTP's `application_controller:change_application_data/2` does on an
    /// install): values set at run time that the new configuration does not give are dropped.
    func replaceEnvironment(_ configuration: [String: [String: Term]], applications names: [String]) {
        var targets = names
        for name in configuration.keys.sorted() where !targets.contains(name) { targets.append(name) }
        let defaults = targets.map { name in (name, codeServer.application(name)?.env ?? []) }
        applications.state.withLock { state in
            for (name, pairs) in defaults {
                var env: [String: Term] = [:]
                for (key, value) in pairs { env[key] = value }
                for (key, value) in configuration[name] ?? [:] { env[key] = value }
                state.env[name] = env
            }
        }
    }
}
