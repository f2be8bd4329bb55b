//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import DistillRelease
import DistillTerm
import Glibc
import Logging
import Synchronization

/// The node's own commands: `node` (boot and serve in this process), `foreground` (the same,
/// or heart and a node under it, attached to the terminal) and `start` (the same as a daemon).
enum NodeMain {
    /// The monotonic time `distill_runtime_main` was entered: the start of a boot.
    nonisolated(unsafe) static var processStarted: UInt64 = 0

    // MARK: - foreground

    /// `foreground`: runs the node attached (standard output and error stay), logging to
    /// `var/log/NAME.log` and standard error; SIGTERM and SIGINT stop it cleanly. With
    /// `-heart` in `vm.args`, this process is heart and the node its child.
    static func foreground(_ options: NodeOptions) throws(NodeOptions.UsageError) -> Int32 {
        let paths = try options.paths()
        if let refusal = refuseIfRunning(paths) { return refusal }
        let flags: (startErlData: StartErlData, vmArgs: VMArgs)
        do {
            flags = try BootPlan.readFlags(paths: paths, environment: Posix.environment())
        } catch {
            printError("distill-run: \(error)")
            return ExitStatus.bootFailed.rawValue
        }
        if flags.vmArgs.heart { return Heart.run(paths: paths, console: true) }
        return runNode(paths: paths, console: true, underHeart: false)
    }

    /// `node` (internal: what heart and a restart exec): boots and serves in this process.
    static func node(_ options: NodeOptions) throws(NodeOptions.UsageError) -> Int32 {
        let paths = try options.paths()
        return runNode(paths: paths, console: options.console, underHeart: getenv("DISTILL_HEART_PID") != nil)
    }

    static func refuseIfRunning(_ paths: ReleasePaths) -> Int32? {
        if NodeLock.isHeld(paths) {
            printError("distill-run: \(NodeLock.heldMessage(paths))")
            return ExitStatus.alreadyRunning.rawValue
        }
        guard case .listening = UnixSocket.probe(paths.socket) else { return nil }
        printError("distill-run: \(paths.name) is already running (\(paths.relative(paths.socket)) answers)")
        return ExitStatus.alreadyRunning.rawValue
    }

    // MARK: - The node

    /// Boots the release in this process and serves until a stop: the boot sequence of
    /// ``BootPlan`` and ``ReleaseNode``, the control socket, the pid file, the signals.
    static func runNode(paths: ReleasePaths, console: Bool, underHeart: Bool) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // Attached to a terminal, a hangup stops the node cleanly; a daemon ignores SIGHUP.
        if !console { signal(SIGHUP, SIG_IGN) }
        blockStopSignals(console: console)
        _ = chdir(paths.root)
        let level = LogLevel()
        let sink: FileLogHandler.Sink
        do {
            try Posix.makeDirectories(paths.logDirectory)
            sink = try FileLogHandler.Sink(path: paths.logFile)
        } catch {
            printError("distill-run: \(error)")
            return ExitStatus.bootFailed.rawValue
        }
        LoggingSystem.bootstrap { label in
            let file = FileLogHandler(label: label, sink: sink, level: level.value)
            guard console else { return file }
            return MultiplexLogHandler([file, FileLogHandler(label: label, sink: .standardError, level: level.value)])
        }
        let bootLogger = Logger(label: "distill") { FileLogHandler(label: $0, sink: sink) }
        func bootFailed(_ error: BootError) -> Int32 {
            bootLogger.critical("boot failed", metadata: ["error": "\(error)"])
            if console { printError("distill-run: \(error)") }
            return error.code == .alreadyRunning ? ExitStatus.alreadyRunning.rawValue : ExitStatus.bootFailed.rawValue
        }

        let plan: BootPlan
        let lock: NodeLock
        do {
            // Before the socket is touched and before any application boots: a second node of
            // this release stops here.
            lock = try NodeLock.acquire(paths)
            plan = try BootPlan.read(paths: paths, environment: Posix.environment())
            try ControlServer.prepare(paths)
        } catch {
            return bootFailed(error)
        }
        level.value = plan.vmArgs.logLevel
        for variable in plan.vmArgs.environment { setenv(variable.key, variable.value, 1) }
        try? Posix.write("\(getpid())\n", to: paths.pidFile)

        let logger = Logger(label: "distill")
        let node = Node(
            configuration: Node.Configuration(
                name: plan.vmArgs.nodeName ?? "nonode@nohost",
                schedulers: plan.vmArgs.schedulers,
                logger: logger
            )
        )
        let release: ReleaseNode
        let server: ControlServer
        do {
            release = try ReleaseNode.boot(
                plan: plan,
                node: node,
                underHeart: underHeart,
                processStarted: processStarted
            )
            server = ControlServer(paths: paths, release: release, commands: ControlCommands.standard())
            try server.start()
        } catch {
            node.shutdown(timeout: .seconds(5))
            unlink(paths.pidFile)
            return bootFailed(error)
        }
        release.markReady()
        ReleaseHandler.nodeDidBoot(release)
        logger.notice(
            "node ready",
            metadata: [
                "release": "\(paths.name)", "version": "\(plan.version)", "pid": "\(getpid())",
                "boot_ms": "\(release.bootMilliseconds.map { ($0 * 10).rounded() / 10 } ?? 0)",
            ]
        )
        watchSignals(release, console: console)

        let reason = release.waitForStop()
        logger.notice("node stopping", metadata: ["reason": "\(reason)"])
        let finished = Latch()
        if let shutdownTime = plan.vmArgs.shutdownTime {
            startThread(name: "distill-shutdown", stackSize: 256 << 10) {
                guard !finished.wait(until: .after(.milliseconds(shutdownTime))) else { return }
                logger.critical(
                    "shutdown took longer than -shutdown_time; exiting",
                    metadata: ["ms": "\(shutdownTime)"]
                )
                unlink(paths.socket)
                _exit(ExitStatus.failure.rawValue)
            }
        }
        server.stop()
        release.shutdown(timeout: plan.vmArgs.shutdownTime.map { .milliseconds($0) } ?? .infinity)
        finished.open()
        if case .restart = reason {
            logger.notice("node stopped; booting again", metadata: ["pid": "\(getpid())"])
            return execNode(paths: paths, console: console, lock: lock, logger: logger)
        }
        unlink(paths.pidFile)
        logger.notice("node stopped", metadata: ["exit_status": "\(reason.exitStatus)"])
        return reason.exitStatus
    }

    /// Replaces this process with a fresh node of the release `start_erl.data` names now (the
    /// same pid: heart, the pid file, the lock and a daemon's log stay as they are). Returns
    /// only if the exec failed.
    static func execNode(paths: ReleasePaths, console: Bool, lock: NodeLock, logger: Logger) -> Int32 {
        let launcher = launcherPath(paths)
        lock.handOn()
        var arguments = ["distill-run", "node", "--root", paths.root, "--name", paths.name]
        if console { arguments.append("--console") }
        let failure = exec(launcher, arguments)
        logger.critical("cannot exec the node", metadata: ["launcher": "\(launcher)", "reason": "\(failure)"])
        unlink(paths.pidFile)
        return ExitStatus.failure.rawValue
    }

    /// The launcher of the runtime `start_erl.data` names (`erts-VSN/bin/distill-run`), or this
    /// executable if the release bundles no runtime.
    static func launcherPath(_ paths: ReleasePaths) -> String {
        // The release handler restarting the runtime into a release that is not permanent.
        if let boot = ReleaseHandler.bootOverride(environment: Posix.environment()) {
            let launcher = paths.launcher(ertsVersion: boot.ertsVersion)
            if Posix.isExecutableFile(launcher) { return launcher }
        }
        if let text = try? Posix.readText(paths.startErlData),
            let data = try? StartErlData(parsing: text, file: "start_erl.data")
        {
            let launcher = paths.launcher(ertsVersion: data.ertsVersion)
            if Posix.isExecutableFile(launcher) { return launcher }
        }
        return Posix.executablePath() ?? "/proc/self/exe"
    }

    /// `execv`; returns the error text if it fails.
    static func exec(_ path: String, _ arguments: [String]) -> String {
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        pointers.append(nil)
        execv(path, pointers)
        let failure = Posix.text(errno: errno)
        for pointer in pointers { free(pointer) }
        return failure
    }

    // MARK: - Signals

    /// Blocks the stop signals in this thread and in every thread started after, so that
    /// only the signal thread (``watchSignals(_:console:)``) takes them.
    static func blockStopSignals(console: Bool) {
        var set = stopSignals(console: console)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// SIGTERM and SIGINT; and SIGHUP for a node attached to a terminal.
    static func stopSignals(console: Bool) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        if console { sigaddset(&set, SIGHUP) }
        return set
    }

    /// The first stop signal stops the node cleanly; another one during the stop exits at once.
    static func watchSignals(_ release: ReleaseNode, console: Bool) {
        let logger = release.node.logger
        startThread(name: "distill-signals", stackSize: 256 << 10) {
            var set = stopSignals(console: console)
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { continue }
                if !release.requestStop(.signal(received)) {
                    logger.warning(
                        "signal during shutdown: exiting now",
                        metadata: ["signal": "\(Posix.signalName(received))"]
                    )
                    _exit(ExitStatus.failure.rawValue)
                }
            }
        }
    }

    static func printError(_ text: String) { RuntimeCommand.printError(text) }
}

/// The log level every handler takes when it is made: `info` until `vm.args` is read.
final class LogLevel: Sendable {
    private let level = Mutex(Logger.Level.info)
    var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}
