//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import Glibc

/// `var/run/NAME.lock`: one node per release directory.
///
/// The process at the top of a node (heart, or the node when it runs without heart) takes an
/// exclusive `flock` on the file before any application boots and holds it for the node's
/// life; the file holds that process's pid. A second `start` or `foreground` finds the lock
/// taken and stops at once, naming that pid, where a probe of the control socket would only
/// see a node that has bound it already. The kernel drops the lock when its last holder dies,
/// so a crash never leaves a stale lock.
///
/// Heart hands its descriptor to the node it runs, and a node restarting in place (`exec`)
/// to its next incarnation (`DISTILL_NODE_LOCK_FD`): the lock is never let go between two
/// incarnations. Everywhere else the descriptor is close-on-exec, so hooks and health
/// commands never inherit it.
struct NodeLock {
    /// The environment variable that hands the descriptor on across an `exec`.
    static let variable = "DISTILL_NODE_LOCK_FD"

    let descriptor: Int32

    static func path(_ paths: ReleasePaths) -> String { paths.runDirectory + "/" + paths.name + ".lock" }

    /// Takes the lock (or the one handed on by heart or the previous incarnation); throws
    /// `alreadyRunning`, naming the pid that holds it, if another node has it.
    static func acquire(_ paths: ReleasePaths) throws(BootError) -> NodeLock {
        let path = path(paths)
        if let handed = handedOn(path) { return NodeLock(descriptor: handed) }
        do {
            try Posix.makeDirectories(paths.root + "/var", mode: 0o755)
            try Posix.makeDirectories(paths.runDirectory, mode: 0o700)
        } catch {
            throw BootError(.controlSocket, "\(error)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw BootError(.controlSocket, "cannot open \(paths.relative(path)): \(Posix.text(errno: errno))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            guard code == EWOULDBLOCK else {
                throw BootError(.controlSocket, "cannot lock \(paths.relative(path)): \(Posix.text(errno: code))")
            }
            throw BootError(.alreadyRunning, heldMessage(paths))
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        return NodeLock(descriptor: fd)
    }

    /// "lab is already running: pid 1234 holds var/run/lab.lock".
    static func heldMessage(_ paths: ReleasePaths) -> String {
        let pid = holderPid(paths).map { "pid \($0)" } ?? "another process"
        return "\(paths.name) is already running: \(pid) holds \(paths.relative(path(paths)))"
    }

    /// Whether a live process holds the lock (without taking it).
    static func isHeld(_ paths: ReleasePaths) -> Bool {
        let fd = open(path(paths), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else { return false }
        return errno == EWOULDBLOCK
    }

    /// The pid the lock file names.
    static func holderPid(_ paths: ReleasePaths) -> Int32? {
        guard let text = try? Posix.readText(path(paths)) else { return nil }
        return Int32(text.split(separator: "\n").first ?? "")
    }

    /// Whether process `pid` has this release's lock file open: only heart and the node do, so
    /// a pid read from a stale pid file that the system has given to another process does not.
    static func isOpen(by pid: Int32, _ paths: ReleasePaths) -> Bool {
        var lock = stat()
        guard pid > 0, stat(path(paths), &lock) == 0 else { return false }
        let directory = "/proc/\(pid)/fd"
        guard let stream = opendir(directory) else { return false }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            var info = stat()
            if name != ".", name != "..", stat(directory + "/" + name, &info) == 0, info.st_dev == lock.st_dev,
                info.st_ino == lock.st_ino
            {
                return true
            }
        }
        return false
    }

    /// The descriptor `DISTILL_NODE_LOCK_FD` names, if it is this lock file and holds the lock;
    /// the variable is removed either way.
    private static func handedOn(_ path: String) -> Int32? {
        guard let value = getenv(variable).map({ String(cString: $0) }) else { return nil }
        unsetenv(variable)
        guard let fd = Int32(value), fd > 2 else { return nil }
        var held = stat()
        var file = stat()
        guard fstat(fd, &held) == 0, stat(path, &file) == 0, held.st_dev == file.st_dev, held.st_ino == file.st_ino
        else { return nil }
        // The same open file: taking the lock again succeeds at once.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Lets the descriptor through the next `exec` and names it in the environment; for
    /// heart's child (after `fork`) and a node about to restart in place.
    func handOn() {
        _ = fcntl(descriptor, F_SETFD, 0)
        setenv(Self.variable, String(descriptor), 1)
    }
}
