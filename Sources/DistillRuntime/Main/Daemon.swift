//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import DistillRelease
import Glibc

/// `start`: the node as a daemon.
///
/// The classic double fork: the child calls `setsid` (no controlling terminal) and forks the
/// daemon, which reports its pid through a pipe, takes `/dev/null` as standard input and
/// `var/log/NAME.log` as standard output and error (so a trap's message lands in the log),
/// closes every other descriptor, and runs the node (or heart, with `-heart`). `start`
/// returns once the node answers `ping` (exit 0), or, if the daemon dies first or the timeout
/// passes, prints the end of the log and exits 6 or 4. A release whose lock (``NodeLock``)
/// another process holds, before the fork or after (two `start`s at once), exits 7.
enum Daemon {
    static func start(_ options: NodeOptions) throws(NodeOptions.UsageError) -> Int32 {
        let paths = try options.paths()
        let timeout = options.timeout ?? 60_000
        func fail(_ status: ExitStatus, _ code: String, _ message: String) -> Int32 {
            if options.json {
                RuntimeCommand.printOut(JSONOutput.failure(code: code, message: message))
            } else {
                RuntimeCommand.printError("\(paths.name): error: \(message)")
            }
            return status.rawValue
        }
        if NodeLock.isHeld(paths) {
            return fail(.alreadyRunning, "already_running", NodeLock.heldMessage(paths))
        }
        if case .listening = UnixSocket.probe(paths.socket) {
            return fail(.alreadyRunning, "already_running", "\(paths.name) is already running")
        }
        let heart: Bool
        do {
            heart = try BootPlan.readFlags(paths: paths, environment: Posix.environment()).vmArgs.heart
            try Posix.makeDirectories(paths.logDirectory)
        } catch let error as BootError {
            return fail(.bootFailed, error.code.name, "\(error)")
        } catch {
            return fail(.bootFailed, "unreadable_file", "\(error)")
        }
        let logStart = logSize(paths)

        var pipeEnds: [Int32] = [0, 0]
        guard distill_pipe(&pipeEnds) == 0 else {
            return fail(.failure, "failed", "cannot create a pipe: \(Posix.text(errno: errno))")
        }
        let logPath = paths.logFile
        let child = fork()
        if child < 0 { return fail(.failure, "failed", "cannot fork: \(Posix.text(errno: errno))") }
        if child == 0 {
            close(pipeEnds[0])
            setsid()
            let daemon = fork()
            if daemon != 0 { _exit(daemon < 0 ? 1 : 0) }
            var pid = getpid()
            _ = withUnsafeBytes(of: &pid) { write(pipeEnds[1], $0.baseAddress, $0.count) }
            close(pipeEnds[1])
            redirectStandardStreams(log: logPath)
            distill_close_from(3)
            NodeMain.processStarted = monotonicNow()
            exit(
                heart
                    ? Heart.run(paths: paths, console: false)
                    : NodeMain.runNode(paths: paths, console: false, underHeart: false)
            )
        }
        close(pipeEnds[1])
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        var daemonPid: Int32 = 0
        let got = withUnsafeMutableBytes(of: &daemonPid) { read(pipeEnds[0], $0.baseAddress, $0.count) }
        close(pipeEnds[0])
        guard got == MemoryLayout<Int32>.size else { return fail(.failure, "failed", "the daemon did not start") }

        let deadline = Deadline.after(.milliseconds(timeout))
        // The node that answers is ours only if our daemon holds the release's lock: another
        // `start` at the same moment may have won it, and its node answers `ping` too.
        let ours = { NodeLock.holderPid(paths) == daemonPid }
        if ClientCommands.waitUntilAnswering(paths, until: deadline, alive: { Posix.isAlive(daemonPid) }) {
            guard ours() else { return fail(.alreadyRunning, "already_running", NodeLock.heldMessage(paths)) }
            if options.json {
                RuntimeCommand.printOut(JSONOutput.success(.integer(Int(daemonPid))))
            } else {
                RuntimeCommand.printOut("\(paths.name) started (pid \(daemonPid))")
            }
            return ExitStatus.success.rawValue
        }
        if !Posix.isAlive(daemonPid), NodeLock.isHeld(paths), !ours() {
            return fail(.alreadyRunning, "already_running", NodeLock.heldMessage(paths))
        }
        let tail = logTail(paths, from: logStart)
        if Posix.isAlive(daemonPid) {
            return fail(
                .timeout,
                "timeout",
                "\(paths.name) did not answer within \(timeout) ms; the log says:\n" + tail
            )
        }
        return fail(.bootFailed, "boot_failed", "\(paths.name) did not start; the log says:\n" + tail)
    }

    /// `/dev/null` as standard input, the log as standard output and error.
    static func redirectStandardStreams(log: String) {
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            if null > 2 { close(null) }
        }
        let file = open(log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if file >= 0 {
            dup2(file, 1)
            dup2(file, 2)
            if file > 2 { close(file) }
        }
    }

    static func logSize(_ paths: ReleasePaths) -> Int {
        var info = stat()
        return stat(paths.logFile, &info) == 0 ? Int(info.st_size) : 0
    }

    /// The last 20 lines the log got since it was `from` bytes long.
    static func logTail(_ paths: ReleasePaths, from offset: Int) -> String {
        guard let bytes = try? Posix.read(paths.logFile), bytes.count > offset else { return "    (nothing)" }
        let lines = String(decoding: bytes[offset...], as: UTF8.self).split(separator: "\n")
        return lines.suffix(20).map { "    " + $0 }.joined(separator: "\n")
    }
}
