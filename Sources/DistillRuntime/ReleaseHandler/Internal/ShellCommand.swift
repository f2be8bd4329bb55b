//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Runs a hook or a health command in a child process (`posix_spawn`, which is safe in a
/// process with many threads), with its output captured and a time limit. The child leads a
/// process group of its own; at the time limit the whole group is killed.
struct ShellCommand {
    /// How a command ended.
    struct Result: Hashable, Sendable {
        /// The exit status, or `nil` if it was killed by a signal or timed out.
        var status: Int32?
        /// The signal that ended it, if any.
        var signal: Int32?
        var timedOut: Bool
        /// The end of what it wrote to standard output and standard error (at most 4 KB).
        var output: String

        var succeeded: Bool { status == 0 }

        /// "exited with status 3", "was killed by signal 9", "did not finish in 30 s".
        var summary: String {
            if timedOut { return "did not finish in time" }
            if let status { return "exited with status \(status)" }
            return "was killed by signal \(signal ?? 0)"
        }
    }

    /// The program and its arguments (`arguments[0]` is the program's path).
    var arguments: [String]
    var environment: [String: String]
    /// Seconds before the command is killed.
    var timeout: Double

    /// `/bin/sh -c` running `command` in `directory`.
    static func shell(
        _ command: String,
        in directory: String,
        environment: [String: String],
        timeout: Double
    )
        -> ShellCommand
    {
        ShellCommand(
            arguments: ["/bin/sh", "-c", "cd \"$1\" || exit 97; eval \"$2\"", "sh", directory, command],
            environment: environment,
            timeout: timeout
        )
    }

    /// The executable `path` run in `directory`.
    static func program(
        _ path: String,
        in directory: String,
        environment: [String: String],
        timeout: Double
    )
        -> ShellCommand
    {
        ShellCommand(
            arguments: ["/bin/sh", "-c", "cd \"$1\" || exit 97; exec \"$2\"", "sh", directory, path],
            environment: environment,
            timeout: timeout
        )
    }

    func run() -> Result {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            return Result(status: nil, signal: nil, timedOut: false, output: "cannot create a pipe: \(errnoText())")
        }
        // Not inherited by children other threads spawn meanwhile (dup2 clears it for 1 and 2).
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own, so that a timeout kills what the command started too.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        )

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            return Result(
                status: nil,
                signal: nil,
                timedOut: false,
                output: "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))"
            )
        }
        return collect(pid: pid, output: pipeEnds[0])
    }

    private func collect(pid: pid_t, output fd: Int32) -> Result {
        defer { close(fd) }
        let deadline = monotonicSeconds() + timeout
        var captured: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var status: Int32 = 0
        var exited = false
        var open = true
        var timedOut = false
        while !exited {
            if open {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 50)
                if poller.revents != 0 {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        captured.append(contentsOf: buffer[0..<count])
                        if captured.count > 4096 { captured.removeFirst(captured.count - 4096) }
                    } else if count == 0 || errno != EINTR {
                        open = false
                    }
                }
            } else {
                usleep(10_000)
            }
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { exited = true }
            if !exited, monotonicSeconds() > deadline {
                // The whole group: a grandchild (`sleep &`, a server the command started)
                // would otherwise live on and keep the output pipe open.
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                exited = true
                timedOut = true
            }
        }
        // What the child wrote last, unless a grandchild keeps the pipe open.
        while open {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else { break }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            captured.append(contentsOf: buffer[0..<count])
            if captured.count > 4096 { captured.removeFirst(captured.count - 4096) }
        }
        let text = String(decoding: captured, as: UTF8.self)
        let signal = status & 0x7f
        if timedOut { return Result(status: nil, signal: SIGKILL, timedOut: true, output: text) }
        if signal == 0 { return Result(status: (status >> 8) & 0xff, signal: nil, timedOut: false, output: text) }
        return Result(status: nil, signal: signal, timedOut: false, output: text)
    }

    private func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private func errnoText() -> String { String(cString: strerror(errno)) }
}

/// The environment of this process.
func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}
