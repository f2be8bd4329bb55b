//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import DistillRelease
import Glibc
import Logging

/// Heart: the node's watchdog, a small parent process that runs the node as its child and
/// starts it again when it dies abnormally.
///
/// A Swift trap (a failed `precondition`, a force-unwrapped `nil`, an array index out of
/// range) kills the whole OS process, every application with it, where an Erlang process would
/// die alone and its supervisor would restart it. Supervisors cannot help there; heart is the
/// node-level supervisor:
///
/// - it execs `erts-ERTS/bin/distill-run node` for the release `releases/start_erl.data` names,
///   reading that file again before each start, so a restart boots the *permanent* release
///   (an upgrade installed but not made permanent is not restarted into);
/// - an exit by a signal (a trap is SIGILL or SIGTRAP) or with a status other than 0 is a
///   crash: heart logs it and starts the node again at once, unless there were already more
///   than N restarts within the last SECONDS (`-heart_restarts N/SECONDS`, default 5/60), in
///   which case it gives up and exits 1;
/// - a clean stop (status 0: `stop`, SIGTERM) ends heart too; statuses 2 (usage), 7 (another
///   node runs) and 70 (no runtime library) are not crashes a restart could fix;
/// - SIGTERM or SIGINT (and SIGHUP in the foreground) to heart is passed to the node as SIGTERM
///   (a clean stop) and heart exits with the node's status; a second one kills the node.
///
/// Heart holds the release's lock (``NodeLock``) for its whole life and hands it to each node it
/// starts, so no other node of the release boots while heart runs, even between a crash and
/// the restart. Heart writes `var/run/NAME.heart.pid`; the node it runs sees
/// `DISTILL_HEART_PID`. It does not watch for a node that hangs without dying.
enum Heart {
    static func run(paths: ReleasePaths, console: Bool) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        if !console { signal(SIGHUP, SIG_IGN) }
        var signals = NodeMain.stopSignals(console: console)
        sigaddset(&signals, SIGCHLD)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &signals, &previous)

        let logger: Logger
        do {
            try Posix.makeDirectories(paths.logDirectory)
            let sink = try FileLogHandler.Sink(path: paths.logFile)
            logger = Logger(label: "distill.heart") { label in
                let file = FileLogHandler(label: label, sink: sink)
                guard console else { return file }
                return MultiplexLogHandler([file, FileLogHandler(label: label, sink: .standardError)])
            }
        } catch {
            NodeMain.printError("distill-run: \(error)")
            return ExitStatus.bootFailed.rawValue
        }
        let lock: NodeLock
        do {
            lock = try NodeLock.acquire(paths)
        } catch {
            logger.critical("heart cannot start the node", metadata: ["error": "\(error)"])
            if console { NodeMain.printError("distill-run: \(error)") }
            return error.code == .alreadyRunning ? ExitStatus.alreadyRunning.rawValue : ExitStatus.bootFailed.rawValue
        }
        do {
            try Posix.write("\(getpid())\n", to: paths.heartPidFile)
        } catch {
            logger.critical("heart cannot write its pid file", metadata: ["error": "\(error)"])
            return ExitStatus.bootFailed.rawValue
        }
        defer { unlink(paths.heartPidFile) }

        var limit = VMArgs().heartRestarts
        var restarts: [Int] = []
        var stopping = false
        guard
            var child = start(
                paths: paths,
                console: console,
                lock: lock,
                previousMask: previous,
                limit: &limit,
                logger: logger
            )
        else { return ExitStatus.launcher.rawValue }
        logger.info("heart started the node", metadata: ["pid": "\(child)", "limit": "\(limit)"])

        while true {
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0 else { continue }
            if received != SIGCHLD {
                logger.info("heart passes the stop on", metadata: ["signal": "\(Posix.signalName(received))"])
                kill(child, stopping ? SIGKILL : SIGTERM)
                stopping = true
                continue
            }
            var status: Int32 = 0
            let reaped = waitpid(child, &status, WNOHANG)
            guard reaped == child else { continue }
            let exit = Exit(status: status)
            if stopping {
                logger.info("node stopped; heart exits", metadata: ["exit": "\(exit)"])
                return exit.code
            }
            if case .exited(let code) = exit, [0, 2, 7, 70].contains(code) {
                if code == 0 {
                    logger.info("node stopped; heart exits")
                } else {
                    logger.error("node exited with status \(code); heart does not restart it")
                }
                return code
            }
            let now = Posix.monotonicMilliseconds()
            restarts.removeAll { now - $0 >= limit.seconds * 1000 }
            if restarts.count >= limit.count {
                logger.critical(
                    "node crashed too often; heart gives up",
                    metadata: ["exit": "\(exit)", "restarts": "\(restarts.count)", "limit": "\(limit)"]
                )
                return ExitStatus.failure.rawValue
            }
            restarts.append(now)
            logger.error(
                "node crashed; heart restarts it",
                metadata: ["exit": "\(exit)", "restart": "\(restarts.count)", "limit": "\(limit)"]
            )
            guard
                let next = start(
                    paths: paths,
                    console: console,
                    lock: lock,
                    previousMask: previous,
                    limit: &limit,
                    logger: logger
                )
            else { return ExitStatus.launcher.rawValue }
            child = next
            logger.info("heart started the node", metadata: ["pid": "\(child)"])
        }
    }

    /// How a child ended.
    enum Exit: CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        init(status: Int32) {
            if distill_wait_signaled(status) != 0 {
                self = .signaled(distill_wait_term_signal(status))
            } else {
                self = .exited(distill_wait_exit_status(status))
            }
        }

        /// The status heart itself exits with when the node ends this way.
        var code: Int32 {
            switch self {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }

        var description: String {
            switch self {
            case .exited(let code): "status \(code)"
            case .signaled(let signal): Posix.signalName(signal)
            }
        }
    }

    /// Forks and execs the node of the release `start_erl.data` names now; reads that
    /// release's `-heart_restarts` into `limit`. `nil` if the fork failed.
    static func start(
        paths: ReleasePaths,
        console: Bool,
        lock: NodeLock,
        previousMask: sigset_t,
        limit: inout VMArgs.RestartLimit,
        logger: Logger
    ) -> pid_t? {
        if let flags = try? BootPlan.readFlags(paths: paths, environment: Posix.environment()) {
            limit = flags.vmArgs.heartRestarts
        }
        let launcher = NodeMain.launcherPath(paths)
        var arguments = ["distill-run", "node", "--root", paths.root, "--name", paths.name]
        if console { arguments.append("--console") }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        let heartPid = String(getpid())
        var mask = previousMask
        let pid = fork()
        if pid == 0 {
            // Its own process group: a Ctrl-C at the terminal reaches heart only, which passes
            // one SIGTERM on (the node would take a second signal as "exit now").
            setpgid(0, 0)
            pthread_sigmask(SIG_SETMASK, &mask, nil)
            setenv("DISTILL_HEART_PID", heartPid, 1)
            lock.handOn()
            execv(launcher, argv)
            _exit(ExitStatus.launcher.rawValue)
        }
        guard pid > 0 else {
            logger.critical("heart cannot fork", metadata: ["reason": "\(Posix.text(errno: errno))"])
            return nil
        }
        return pid
    }
}
