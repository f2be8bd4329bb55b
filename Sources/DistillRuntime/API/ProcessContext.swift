//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Logging
import Synchronization

/// What a callback can do: the running process's view of the runtime (Erlang's BIFs).
///
/// A context is valid only during the callback it was passed to; do not keep it or pass it
/// to another thread. Everything that outlives a callback (timers, sockets, monitors) belongs
/// to the runtime and comes back as messages.
public struct ProcessContext {
    // Unretained: a context lives only during a callback, while the thread running it holds
    // the process (no reference count traffic per message).
    unowned(unsafe) let process: LocalProcess

    init(process: LocalProcess) { self.process = process }

    var node: Node { process.node }

    /// This process's identifier (`self()`).
    public var pid: Pid { process.pid }

    /// A logger whose metadata names this process and its module.
    public var logger: Logger { process.logger }

    // MARK: Messages

    /// Sends `message` (`!`); to a dead process or an unknown name it is dropped.
    public func send(_ destination: Destination, _ message: Term) {
        process.send(to: destination, .info(message))
    }

    /// Sends `message` to `pid`.
    public func send(_ pid: Pid, _ message: Term) { send(.pid(pid), message) }

    /// `gen_server:cast/2`.
    public func cast(_ destination: Destination, _ request: Term) {
        process.send(to: destination, .cast(request))
    }

    /// `gen_server:cast/2` to `pid`.
    public func cast(_ pid: Pid, _ request: Term) { cast(.pid(pid), request) }

    /// `gen_server:call/3`: the reply, or a ``RuntimeError`` (`timeout`, `noProcess`, `exited`).
    ///
    /// If the callee is idle, its callback runs right here on this thread (no wake-up, no
    /// message); otherwise this process waits, running the callee's mailbox itself when no
    /// other thread is. Either way the callee handles one message at a time, in order.
    public func call(_ destination: Destination, _ request: Term, timeout: Timeout = .default) throws -> Term {
        try node.call(from: process, destination, request, timeout: timeout)
    }

    /// `gen_server:call/3` to `pid`.
    public func call(_ pid: Pid, _ request: Term, timeout: Timeout = .default) throws -> Term {
        try call(.pid(pid), request, timeout: timeout)
    }

    /// `gen_server:reply/2`: answers a call this or another process returned
    /// ``CallReply/noreply`` for. A caller that stopped waiting drops the reply.
    public func reply(to caller: Caller, _ value: Term) {
        caller.slot.deliver(tag: caller.tag, .value(value))
    }

    // MARK: Timers

    /// `erlang:send_after/3`: sends `message` to this process after `milliseconds`; returns the
    /// timer's reference.
    @discardableResult
    public func sendAfter(_ milliseconds: Int, _ message: Term) -> Term {
        node.sendAfter(milliseconds, .pid(pid), message)
    }

    /// `erlang:send_after/3` to another destination.
    @discardableResult
    public func sendAfter(_ milliseconds: Int, to destination: Destination, _ message: Term) -> Term {
        node.sendAfter(milliseconds, destination, message)
    }

    /// `erlang:cancel_timer/1`: the milliseconds left, or `nil` if the timer already fired or
    /// was cancelled (its message may then be in the mailbox).
    @discardableResult
    public func cancelTimer(_ reference: Term) -> Int? { node.cancelTimer(reference) }

    /// `make_ref()`.
    public func makeReference() -> Term { node.makeReference() }

    // MARK: Processes

    /// Starts a process running the current code of `module`; its `start` runs before this
    /// returns. With `link`, the two are linked (`spawn_link`).
    public func spawn(module: String, args: Term = [], link: Bool = false, registeredName: String? = nil) throws -> Pid
    {
        let code = try node.codeServer.currentCode(module)
        var options = Node.SpawnOptions(link: link ? process : nil, registeredName: registeredName)
        options.trapExit = code.kind == .supervisor
        return try node.spawn(code, args: args, options: options).pid
    }

    /// Starts a process running `type`'s current code (by its module name).
    public func spawn<S: Server>(
        _ type: S.Type,
        args: Term = [],
        link: Bool = false,
        registeredName: String? = nil
    )
        throws -> Pid
    {
        let code = node.codeServer.code(of: type)
        return try node.spawn(
            code,
            args: args,
            options: .init(link: link ? process : nil, registeredName: registeredName)
        )
        .pid
    }

    /// `register/2`.
    public func register(_ name: String) throws { try node.names.register(name, process) }

    /// `unregister/1`; returns whether the name was registered.
    @discardableResult
    public func unregister(_ name: String) -> Bool { node.names.unregister(name) }

    /// `whereis/1`.
    public func whereis(_ name: String) -> Pid? { node.whereis(name) }

    /// Whether this process turns exit signals into `{'EXIT', Pid, Reason}` messages
    /// (`process_flag(trap_exit, ...)`).
    public var trapExit: Bool {
        get { process.trapExit }
        nonmutating set { process.trapExit = newValue }
    }

    /// `link/1`. Linking to a dead process sends this process an exit signal `noproc`.
    public func link(_ other: Pid) {
        guard let target = node.process(other), target.addLink(process.id) else {
            process.exitSignal(from: other, reason: .noproc, viaLink: true)
            return
        }
        _ = process.addLink(target.id)
    }

    /// `unlink/1`.
    public func unlink(_ other: Pid) {
        guard let target = node.process(other) else { return }
        target.removeLink(process.id)
        process.removeLink(target.id)
    }

    /// `monitor(process, Pid)`: when `target` dies (or is already dead) this process gets
    /// `{'DOWN', Ref, process, Pid, Reason}`. Returns `Ref`.
    @discardableResult
    public func monitor(_ target: Destination) -> Term {
        let reference = node.makeReference()
        if let watched = node.resolve(target, from: process), watched.addMonitor(reference, watcher: process.id) {
            process.heldMonitors[reference] = watched.id
        } else {
            let down = Term.tuple([.atom("DOWN"), reference, .atom("process"), target.term, .atom("noproc")])
            process.deliver(.info(down))
        }
        return reference
    }

    /// `demonitor/1`: no `DOWN` message for `reference` arrives after this (one already
    /// queued stays in the mailbox unless `flush`).
    public func demonitor(_ reference: Term, flush: Bool = false) {
        if let id = process.heldMonitors.removeValue(forKey: reference) {
            node.process(id: id)?.removeMonitor(reference)
        }
        if flush { process.removeQueued { message in message.tupleElements?.dropFirst().first == reference } }
    }

    /// `exit/2`: sends an exit signal to `target`.
    public func exit(_ target: Pid, _ reason: ExitReason) {
        node.process(target)?.exitSignal(from: pid, reason: reason, viaLink: false)
    }

    /// Ends this process with `reason` once the current callback returns (gen_server's
    /// `{stop, Reason, ...}`); `terminate` runs first. In a call, the reply is sent before.
    public func stop(_ reason: ExitReason = .normal) { process.stopRequest = reason }
}

extension LocalProcess {
    /// Removes and returns the queued plain messages that match, in order (the owner only).
    func takeMessages(where matches: (Term) -> Bool) -> [Term] {
        var taken: [Term] = []
        var keptBatch = RingBuffer<Envelope>()
        while let envelope = batch.popFirst() {
            if case .info(let message) = envelope, matches(message) {
                taken.append(message)
            } else {
                keptBatch.append(envelope)
            }
        }
        batch = keptBatch
        locked { shared in
            var kept = RingBuffer<Envelope>()
            while let envelope = shared.queue.popFirst() {
                if case .info(let message) = envelope, matches(message) {
                    taken.append(message)
                } else {
                    kept.append(envelope)
                }
            }
            shared.queue = kept
        }
        return taken
    }

    /// Drops queued plain messages that match (`demonitor(Ref, [flush])`).
    func removeQueued(where matches: (Term) -> Bool) {
        var keptBatch = RingBuffer<Envelope>()
        while let envelope = batch.popFirst() {
            if case .info(let message) = envelope, matches(message) { continue }
            keptBatch.append(envelope)
        }
        batch = keptBatch
        locked { shared in
            var kept = RingBuffer<Envelope>()
            while let envelope = shared.queue.popFirst() {
                if case .info(let message) = envelope, matches(message) { continue }
                kept.append(envelope)
            }
            shared.queue = kept
        }
    }
}
