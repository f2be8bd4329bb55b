//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import DistillTerm
import Glibc
import Synchronization

/// How a release node restarts its runtime for the release handler (`restart_new_emulator`,
/// `restart_emulator`, and any install into a release on another runtime), and finishes the
/// command once the new runtime has booted.
///
/// 1. The handler's restart sets, in the process environment, `DISTILL_BOOT_VERSION` (the
///    release to boot, `"ERTS VSN"`), `DISTILL_UPGRADE_CONTINUE` (the rest of the command) and,
///    when a control client waits for the reply, `DISTILL_UPGRADE_REPLY_FD` (its connection,
///    made inheritable), then asks the node to restart (``StopReason/restart``): applications
///    stop cleanly (their `terminate` callbacks run) and the node `execve`s the launcher of
///    the release's runtime, in the same OS process (same pid: heart and the pid file stay).
/// 2. The new runtime boots `DISTILL_BOOT_VERSION` instead of `start_erl.data`'s release (the
///    new release is current, not permanent), then ``ReleaseHandler/nodeDidBoot(_:)`` clears
///    the three variables (a later `restart` or heart boots the permanent release), finishes the
///    command on a thread of its own (``ReleaseHandler/finishRestart()``: the script's
///    remaining `apply` calls, hooks, health check, make permanent) and writes the reply to the
///    waiting client's connection.
///
/// Every process's state is lost across the restart, as in OTP.
extension ReleaseHandler {
    /// Control connections waiting on a command that may restart the runtime, by the thread
    /// running the command (the restart happens on that thread, inside the command).
    private static let replyConnections = Mutex<[Int32: Int32]>([:])

    /// Runs `body` (a command on a control connection's thread), noting `connection` as where
    /// the reply goes if the command restarts the runtime.
    static func replying<R>(
        on connection: Int32,
        _ body: () throws(ReleaseHandlerError) -> R
    )
        throws(ReleaseHandlerError) -> R
    {
        let thread = distill_thread_id()
        if connection >= 0 { replyConnections.withLock { $0[thread] = connection } }
        defer { replyConnections.withLock { _ = $0.removeValue(forKey: thread) } }
        return try body()
    }

    /// The release handler's restart for a release node: see the extension's documentation.
    /// Does not return once the node is stopping (the `execve` ends this thread with the
    /// process image).
    static func restartNode(_ release: ReleaseNode, _ request: RestartRequest) throws {
        for (key, value) in request.environment { setenv(key, value, 1) }
        unsetenv("DISTILL_RUNTIME_LIBRARY")  // the new launcher loads its own runtime
        if let connection = replyConnections.withLock({ $0[distill_thread_id()] }) {
            let flags = fcntl(connection, F_GETFD)
            if flags >= 0 { _ = fcntl(connection, F_SETFD, flags & ~FD_CLOEXEC) }
            setenv(replyVariable, String(connection), 1)
        }
        guard release.requestStop(.restart) else {
            throw RuntimeError(.notRunning, "the node is stopping already")
        }
        while true { Posix.sleep(milliseconds: 1000) }
    }

    /// Called by the node once the release has booted and the control socket answers:
    /// attaches the release handler (repairing `RELEASES` if a make-permanent was cut short),
    /// clears the restart variables from the environment and, if this boot is the second half
    /// of a restart, finishes the command on a thread of its own and replies to the client
    /// that waits for it.
    public static func nodeDidBoot(_ release: ReleaseNode) {
        let environment = Posix.environment()
        let handler: ReleaseHandler
        do {
            // Before the variables go: a command that came first made the handler from them.
            defer { for variable in [bootVariable, Continuation.variable, replyVariable] { unsetenv(variable) } }
            handler = try attach(to: release, environment: environment)
        } catch {
            release.node.logger.error("the release handler cannot start", metadata: ["error": "\(error)"])
            return
        }
        let reply = environment[replyVariable].flatMap { Int32($0) }
        guard handler.hasPendingRestart else {
            if let reply { close(reply) }
            return
        }
        startThread(name: "distill-upgrade", stackSize: 1 << 20) {
            let result = handler.finishRestart()
            release.currentVersion = handler.running
            let term: Term
            switch result {
            case .success(let report)?:
                release.node.logger.notice(
                    "upgrade finished after the restart",
                    metadata: ["version": "\(report.version)"]
                )
                term = .tuple([.atom("ok"), upgradeReplyTerm(report)])
            case .failure(let error)?:
                release.node.logger.error("upgrade failed after the restart", metadata: ["error": "\(error)"])
                term =
                    ControlError(ControlError.Code(error.code.name), error.description.droppingPrefix("error: ")).reply
            case nil:
                term = .tuple([.atom("ok"), .atom("restarted")])
            }
            guard let reply else { return }
            let channel = ControlChannel(fd: reply)
            try? channel.write(term)
        }
    }

    static func upgradeReplyTerm(_ report: UpgradeReport) -> Term {
        guard case .map(var map) = report.term else { return report.term }
        map[.atom("message")] = .binary(report.lines.joined(separator: "\n"))
        return .map(map)
    }
}
