//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

/// What a running supervisor knows: its arguments, flags, children and recent restarts. It
/// belongs to the runtime (not to the plugin), so it carries over a code change as it is.
struct SupervisorState {
    struct Child {
        var spec: ChildSpec
        var pid: Pid?
        var restarting = false
    }

    var args: Term
    var spec: SupervisorSpec
    var children: [Child]
    var restarts: [UInt64] = []
}

/// The body of a supervisor process: OTP's `supervisor` module on top of a ``Supervisor``
/// type's ``Supervisor/spec(_:)``.
// @unchecked: as ``ProcessBody``: only the supervisor's own thread touches its children and state.
final class SupervisorBody<S: Supervisor>: ProcessBody, @unchecked Sendable {
    var state: SupervisorState

    init(code: ModuleCode, state: SupervisorState) {
        self.state = state
        super.init(code: code)
    }

    /// `supervisor:init`: reads the spec and starts the children in order; if one fails, stops
    /// those already started (in reverse) and fails with `{shutdown, {failed_to_start_child, Id, Reason}}`.
    static func start(code: ModuleCode, args: Term, _ ctx: ProcessContext) throws -> SupervisorBody<S> {
        ctx.trapExit = true
        let spec = try S().spec(args)
        let body = SupervisorBody(
            code: code,
            state: SupervisorState(args: args, spec: spec, children: spec.children.map { .init(spec: $0) })
        )
        var index = 0
        while index < body.state.children.count {
            let child = body.state.children[index]
            do {
                body.state.children[index].pid = try body.startChild(child.spec, ctx)
                index += 1
            } catch {
                let reason = (error as? RuntimeError)?.reason ?? .error(error)
                body.terminateChildren(ctx)
                throw RuntimeError(
                    .startFailed,
                    "child '\(child.spec.id)' of \(code.name) failed to start",
                    reason: .shutdown(.tuple([.atom("failed_to_start_child"), .atom(child.spec.id), reason.term]))
                )
            }
        }
        return body
    }

    /// Builds the new version's body from a running supervisor (`supervisor:code_change/3`).
    static func adopt(code: ModuleCode, previous: SupervisorState) throws -> SupervisorBody<S> {
        let spec = try S().spec(previous.args)
        var state = previous
        state.spec = spec
        var updated: [SupervisorState.Child] = []
        for newChild in spec.children {
            var child = SupervisorState.Child(spec: newChild)
            if let old = previous.children.first(where: { $0.spec.id == newChild.id }) {
                child.pid = old.pid
                child.restarting = old.restarting
            }
            updated.append(child)
        }
        let kept = previous.children.filter { old in !spec.children.contains { $0.id == old.spec.id } }
        state.children = updated + kept
        return SupervisorBody(code: code, state: state)
    }

    // MARK: - Starting and stopping children

    private func startChild(_ spec: ChildSpec, _ ctx: ProcessContext) throws -> Pid {
        let node = ctx.node
        let code: ModuleCode
        if let current = try? node.codeServer.currentCode(spec.module) {
            code = current
        } else if let type = spec.type {
            code = node.codeServer.code(of: type)
        } else {
            code = try node.codeServer.currentCode(spec.module)
        }
        var options = Node.SpawnOptions(link: ctx.process, registeredName: spec.registeredName, modules: spec.modules)
        options.trapExit = code.kind == .supervisor
        return try node.spawn(code, args: spec.args, options: options).pid
    }

    private func stopChild(_ child: SupervisorState.Child, _ ctx: ProcessContext) {
        guard let pid = child.pid, let process = ctx.node.process(pid) else { return }
        process.removeLink(ctx.process.id)
        ctx.process.removeLink(process.id)
        let node = ctx.node
        switch child.spec.shutdown {
        case .brutalKill:
            node.terminate(process, from: ctx.pid, reason: .kill, timeout: .infinity)
        case .timeout(let ms):
            node.terminate(process, from: ctx.pid, reason: .shutdown, timeout: .milliseconds(ms))
        case .infinity:
            node.terminate(process, from: ctx.pid, reason: .shutdown, timeout: .infinity)
        }
    }

    /// Stops every child in reverse start order; temporary children are forgotten.
    private func terminateChildren(_ ctx: ProcessContext) {
        for index in state.children.indices.reversed() {
            stopChild(state.children[index], ctx)
            state.children[index].pid = nil
            state.children[index].restarting = false
        }
        state.children.removeAll { $0.spec.restart == .temporary }
    }

    // MARK: - Restarting

    override func handleInfo(_ message: Term, _ ctx: ProcessContext) throws {
        guard case .tuple(let elements) = message, elements.count == 3, elements[0] == .atom("EXIT"),
            case .pid(let pid) = elements[1]
        else {
            ctx.logger.error(
                "supervisor received unexpected message",
                metadata: ["message": "\(message.logged)"]
            )
            return
        }
        guard let index = state.children.firstIndex(where: { $0.pid == pid }) else { return }
        let reason = ExitReason(elements[2])
        let child = state.children[index]
        switch child.spec.restart {
        case .permanent:
            report(child, reason, ctx)
            try restart(index, ctx)
        case .transient where !reason.isNormal:
            report(child, reason, ctx)
            try restart(index, ctx)
        case .transient:
            state.children[index].pid = nil
        case .temporary:
            if !reason.isNormal { report(child, reason, ctx) }
            state.children.remove(at: index)
        }
    }

    private func report(_ child: SupervisorState.Child, _ reason: ExitReason, _ ctx: ProcessContext) {
        ctx.logger.error(
            "child terminated",
            metadata: ["child": "\(child.spec.id)", "reason": "\(reason.term.logged)"]
        )
    }

    override func handleCast(_ request: Term, _ ctx: ProcessContext) throws {
        guard let arguments = request.tagged("try_again_restart"), let id = arguments.first?.atomValue,
            let index = state.children.firstIndex(where: { $0.spec.id == id }), state.children[index].restarting
        else { return }
        try restart(index, ctx)
    }

    /// `add_restart` then the strategy; past the intensity, stop with `shutdown`.
    private func restart(_ index: Int, _ ctx: ProcessContext) throws {
        let now = ctx.node.timers.now
        let window = UInt64(max(0, state.spec.period)) * 1_000_000_000
        state.restarts = state.restarts.filter { now - $0 <= window } + [now]
        if state.restarts.count > state.spec.intensity {
            let child = state.children[index]
            ctx.logger.error(
                "supervisor reached maximum restart intensity",
                metadata: [
                    "child": "\(child.spec.id)", "intensity": "\(state.spec.intensity)",
                    "period": "\(state.spec.period)",
                ]
            )
            state.children[index].pid = nil
            if child.spec.restart == .temporary { state.children.remove(at: index) }
            ctx.stop(.shutdown)
            return
        }
        let failedID = state.children[index].spec.id
        switch state.spec.strategy {
        case .oneForOne:
            startAgain([index], failed: failedID, ctx)
        case .oneForAll:
            stopOthers(Array(state.children.indices), except: index, ctx)
            startAgain(Array(state.children.indices), failed: failedID, ctx)
        case .restForOne:
            stopOthers(Array(state.children.indices.dropFirst(index)), except: index, ctx)
            startAgain(Array(state.children.indices.dropFirst(index)), failed: failedID, ctx)
        }
    }

    private func stopOthers(_ indices: [Int], except failed: Int, _ ctx: ProcessContext) {
        for index in indices.reversed() where index != failed {
            stopChild(state.children[index], ctx)
            state.children[index].pid = nil
        }
        state.children[failed].pid = nil
        let temporaryIDs = indices.filter { state.children[$0].spec.restart == .temporary }.map {
            state.children[$0].spec.id
        }
        state.children.removeAll { temporaryIDs.contains($0.spec.id) }
    }

    /// Starts the given children in order; on the first failure marks it restarting and asks
    /// this process to try again after handling what else is in its mailbox.
    private func startAgain(_ indices: [Int], failed failedID: String, _ ctx: ProcessContext) {
        let ids = indices.compactMap { $0 < state.children.count ? state.children[$0].spec.id : nil }
        for id in ids {
            guard let index = state.children.firstIndex(where: { $0.spec.id == id }) else { continue }
            guard state.children[index].pid == nil || state.children[index].spec.id == failedID else { continue }
            do {
                state.children[index].pid = try startChild(state.children[index].spec, ctx)
                state.children[index].restarting = false
            } catch {
                state.children[index].pid = nil
                state.children[index].restarting = true
                ctx.logger.error("child failed to restart", metadata: ["child": "\(id)", "error": "\(error)"])
                ctx.cast(ctx.pid, .tuple([.atom("try_again_restart"), .atom(id)]))
                return
            }
        }
    }

    // MARK: - Calls (the supervisor module's API)

    override func handleCall(_ request: Term, from: Caller, _ ctx: ProcessContext) throws -> CallReply {
        switch request {
        case .atom("which_children"):
            return .reply(
                .list(
                    state.children.map { child in
                        .tuple([
                            .atom(child.spec.id),
                            child.restarting ? .atom("restarting") : child.pid.map(Term.pid) ?? .atom("undefined"),
                            .atom(child.spec.kind.rawValue), .list(child.spec.modules.map { .atom($0) }),
                        ])
                    }
                )
            )
        case .atom("count_children"):
            let alive = state.children.filter { $0.pid.map(ctx.node.isAlive) ?? false }
            return .reply([
                .tuple(["specs", .integer(state.children.count)]),
                .tuple(["active", .integer(alive.count)]),
                .tuple(["supervisors", .integer(state.children.filter { $0.spec.kind == .supervisor }.count)]),
                .tuple(["workers", .integer(state.children.filter { $0.spec.kind == .worker }.count)]),
            ])
        default:
            break
        }
        guard case .tuple(let elements) = request, elements.count == 2, let operation = elements[0].atomValue else {
            return .reply(.tuple(["error", "badarg"]))
        }
        if operation == "start_child" {
            let spec = try ChildSpec(term: elements[1])
            if let existing = state.children.first(where: { $0.spec.id == spec.id }) {
                if let pid = existing.pid { return .reply(.tuple(["error", .tuple(["already_started", .pid(pid)])])) }
                return .reply(.tuple(["error", "already_present"]))
            }
            do {
                let pid = try startChild(spec, ctx)
                state.children.append(.init(spec: spec, pid: pid))
                return .reply(.tuple(["ok", .pid(pid)]))
            } catch {
                let reason = (error as? RuntimeError)?.reason ?? .error(error)
                return .reply(.tuple(["error", reason.term]))
            }
        }
        guard let id = elements[1].atomValue, let index = state.children.firstIndex(where: { $0.spec.id == id }) else {
            return .reply(.tuple(["error", "not_found"]))
        }
        switch operation {
        case "terminate_child":
            stopChild(state.children[index], ctx)
            if state.children[index].spec.restart == .temporary {
                state.children.remove(at: index)
            } else {
                state.children[index].pid = nil
            }
            return .reply("ok")
        case "restart_child":
            if state.children[index].restarting { return .reply(.tuple(["error", "restarting"])) }
            if state.children[index].pid != nil { return .reply(.tuple(["error", "running"])) }
            do {
                let pid = try startChild(state.children[index].spec, ctx)
                state.children[index].pid = pid
                return .reply(.tuple(["ok", .pid(pid)]))
            } catch {
                let reason = (error as? RuntimeError)?.reason ?? .error(error)
                return .reply(.tuple(["error", reason.term]))
            }
        case "delete_child":
            if state.children[index].restarting { return .reply(.tuple(["error", "restarting"])) }
            if state.children[index].pid != nil { return .reply(.tuple(["error", "running"])) }
            state.children.remove(at: index)
            return .reply("ok")
        case "get_childspec":
            return .reply(.tuple(["ok", state.children[index].spec.term]))
        default:
            return .reply(.tuple(["error", "badarg"]))
        }
    }

    override func terminate(_ reason: ExitReason, _ ctx: ProcessContext) {
        terminateChildren(ctx)
    }

    /// A supervisor's state is the runtime's, not the plugin's: it crosses a code change as a
    /// value (``adopt(code:previous:)``); as a term it is its child list, for inspection.
    override func encodeState() throws -> Term {
        .list(
            state.children.map { child in
                .tuple([.atom(child.spec.id), child.pid.map(Term.pid) ?? .atom("undefined"), child.spec.term])
            }
        )
    }
}
