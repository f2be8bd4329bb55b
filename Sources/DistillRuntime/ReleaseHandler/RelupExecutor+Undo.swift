//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease

// MARK: - apply

extension RelupExecutor {
    /// `{apply, {M, F, A}}`: the built-in `application` and `supervisor` functions, or a
    /// loaded module's ``Module/apply(_:_:)``.
    func apply(_ call: FunctionCall, _ run: inout Run) throws {
        let text = TermPrinter.printCompact(call.term)
        let arguments = call.arguments
        switch (call.module, call.function) {
        case ("application", "start") where (1...2).contains(arguments.count):
            guard let name = arguments[0].atomValue else { throw badArguments(call) }
            if arguments.count == 2, arguments[1] == .atom("load") || arguments[1] == .atom("none") { return }
            guard !node.runningApplications.contains(where: { $0.name == name }) else { return }
            try node.startApplication(name)
            run.log.append(.startedApplication(name))
        case ("application", "stop") where arguments.count == 1:
            guard let name = arguments[0].atomValue else { throw badArguments(call) }
            guard node.runningApplications.contains(where: { $0.name == name }) else { return }
            try node.stopApplication(name)
            run.log.append(.stoppedApplication(name))
        case ("application", "load") where (1...2).contains(arguments.count):
            // The application's code is registered at point_of_no_return.
            return
        case ("application", "unload") where arguments.count == 1:
            guard let name = arguments[0].atomValue else { throw badArguments(call) }
            run.log.append(.application(name, previous: node.codeServer.setApplication(name, to: nil)))
        case ("supervisor", let function) where arguments.count == 2:
            try supervisorCall(call, function: function, &run)
        default:
            let code = try node.codeServer.currentCode(call.module)
            _ = try code.type.apply(call.function, arguments)
            run.log.append(.applied(text))
        }
        run.completion.applied.append(text)
    }

    private func badArguments(_ call: FunctionCall) -> RuntimeError {
        RuntimeError(.badArgument, "bad arguments in \(TermPrinter.printCompact(call.term))")
    }

    private func supervisorCall(_ call: FunctionCall, function: String, _ run: inout Run) throws {
        let destination: Destination
        switch call.arguments[0] {
        case .pid(let pid): destination = .pid(pid)
        case .atom(let name): destination = .name(name)
        default: throw badArguments(call)
        }
        guard ["restart_child", "terminate_child", "delete_child"].contains(function) else {
            throw RuntimeError(
                .badArgument,
                "\(TermPrinter.printCompact(call.term)): a relup can call supervisor:restart_child, "
                    + "terminate_child and delete_child"
            )
        }
        guard let id = call.arguments[1].atomValue else { throw badArguments(call) }
        let reply = try node.call(destination, .tuple([.atom(function), .atom(id)]), timeout: options.callTimeout)
        guard let supervisor = node.resolvePid(destination) else { return }
        let child = SupervisedChild(supervisor: supervisor, id: id, pid: supervisor, modules: [])
        // Like OTP, an `{error, _}` reply is a result, not a failure.
        switch function {
        case "restart_child" where reply.tupleElements?.first == .atom("ok"):
            run.log.append(.restartedChild(child))
        case "terminate_child" where reply == .atom("ok"):
            run.log.append(.terminatedChild(child))
        case "delete_child" where reply == .atom("ok"):
            run.log.append(.deletedChild(child))
        default:
            break
        }
    }
}

extension Node {
    /// The pid `destination` names now.
    func resolvePid(_ destination: Destination) -> Pid? {
        switch destination {
        case .pid(let pid): return pid
        case .name(let name): return whereis(name)
        }
    }
}

// MARK: - Commit

extension RelupExecutor {
    /// Keeps every change: the old states are released, processes the script left suspended
    /// resume, and the purges run (processes still on a replaced version of a module are
    /// killed where the script says `brutal_purge`).
    func commit(_ run: inout Run) -> Completion {
        for entry in run.log {
            if case .codeChanged(let change, _, _, _) = entry { change.commit() }
        }
        for pid in run.suspended.flatMap(\.pids) { try? node.resume(pid) }
        var brutal: [String: Bool] = [:]
        var order: [String] = []
        for (module, kills) in run.purges {
            if brutal[module] == nil { order.append(module) }
            brutal[module] = (brutal[module] ?? false) || kills
        }
        for module in order {
            let current = node.codeServer.versions(of: module)?.current
            let stale = node.processes(runningModule: module).filter { current?.type != $0.code.type }.map(\.pid)
            if brutal[module] == true {
                for pid in stale {
                    node.exit(pid, .kill)
                    run.completion.killedProcesses.append(pid)
                }
            } else if !stale.isEmpty {
                continue
            }
            node.codeServer.purge(module: module)
        }
        return run.completion
    }
}

// MARK: - Rollback

extension RelupExecutor {
    /// Undoes the log in reverse order, then restarts processes that started on the new
    /// code meanwhile; returns what it did.
    func rollback(_ run: inout Run, failed instruction: RelupInstruction, at index: Int) -> RollbackReport {
        var report = RollbackReport(failedInstruction: instruction.term, failedIndex: index + 1)
        var restored: Set<Pid> = []
        for entry in run.log.reversed() {
            switch entry {
            case .resumed(let pid):
                do {
                    try node.suspend(pid, timeout: options.undoTimeout)
                } catch let error as RuntimeError where error.code == .noProcess {
                    continue
                } catch {
                    report.problems.append("could not suspend \(pid.text) again: \(Self.describe(error))")
                }
            case .codeChanged(let change, let handled, let mode, let direction):
                undo(change, handled: handled, mode: mode, direction: direction, &report, restored: &restored)
            case .suspended(let pid):
                do {
                    try node.resume(pid)
                } catch let error as RuntimeError where error.code == .noProcess {
                    continue
                } catch {
                    report.problems.append("could not resume \(pid.text): \(Self.describe(error))")
                }
            case .module(let module, let previous):
                node.codeServer.restore(module, to: previous)
                if !report.restoredModules.contains(module) { report.restoredModules.insert(module, at: 0) }
            case .application(let name, let previous):
                node.codeServer.setApplication(name, to: previous)
            case .environment(let snapshot):
                node.restoreEnvironment(snapshot)
            case .startedApplication(let name):
                do {
                    try node.stopApplication(name)
                } catch {
                    report.problems.append("could not stop application \(name): \(Self.describe(error))")
                }
            case .stoppedApplication(let name):
                do {
                    try node.startApplication(name)
                    report.irreversible.append("application \(name) was stopped; it was started again")
                } catch {
                    report.problems.append("could not start application \(name) again: \(Self.describe(error))")
                }
            case .terminatedChild(let child):
                supervisorUndo(child, "restart_child", &report)
                report.irreversible.append("child \(child.id) of \(child.supervisor.text) was stopped; restarted")
            case .restartedChild(let child):
                supervisorUndo(child, "terminate_child", &report)
            case .deletedChild(let child):
                report.irreversible.append("child \(child.id) was deleted from \(child.supervisor.text)")
            case .applied(let text):
                report.irreversible.insert(text, at: 0)
            }
        }
        // Processes that started on the new code during the upgrade (a supervisor restarting a
        // crashed child, say): their supervisors start them again on the old code.
        let newTypes = run.stagedApplications.flatMap { $0.modules.map(\.type) }
        for pid in node.processes(runningAnyOf: newTypes) {
            guard let code = node.runningCode(pid), node.codeServer.versions(of: code.name)?.current.type != code.type
            else { continue }
            node.exit(pid, .kill)
            report.restartedProcesses.append(pid)
        }
        return report
    }

    private func undo(
        _ change: CodeChange,
        handled: Int,
        mode: CodeChangeMode,
        direction: CodeChangeDirection,
        _ report: inout RollbackReport,
        restored: inout Set<Pid>
    ) {
        let pid = change.pid
        guard let now = node.messagesHandled(pid) else { return }
        if now == handled {
            do {
                try change.undo()
                if restored.insert(pid).inserted { report.restoredProcesses.append(pid) }
            } catch {
                report.problems.append("could not put back the old code of \(pid.text): \(Self.describe(error))")
            }
            return
        }
        // It ran on the new code after a resume: convert its current state back, so that the
        // effects of those messages stay.
        let back: CodeChangeMode
        switch mode {
        case .soft: back = .soft
        case .advanced: back = .advanced(extra: [])
        }
        do {
            let reverse = try node.changeCode(
                pid,
                to: change.from,
                mode: back,
                direction: direction == .up ? .down : .up
            )
            reverse.commit()
            change.commit()
            report.convertedProcesses.append(pid)
        } catch {
            do {
                try change.undo()
                report.revertedProcesses.append(pid)
            } catch {
                report.problems.append("could not put back the old code of \(pid.text): \(Self.describe(error))")
            }
        }
    }

    private func supervisorUndo(_ child: SupervisedChild, _ function: String, _ report: inout RollbackReport) {
        do {
            _ = try node.call(
                .pid(child.supervisor),
                .tuple([.atom(function), .atom(child.id)]),
                timeout: options.callTimeout
            )
        } catch {
            report.problems.append("\(function) \(child.id) of \(child.supervisor.text): \(Self.describe(error))")
        }
    }
}
