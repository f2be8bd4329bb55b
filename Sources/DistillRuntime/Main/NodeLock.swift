//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import Glibc

/// `var/run/NAME.lock`: one node per release directory.
///
/// The process at the top of a node (heart, or the node when it runs without heart) takes an
/// exclusive `flock` on the release's root directory before any application boots and holds
/// it for the node's life, with `var/run/NAME.lock` open beside it: that file names its pid and
/// tells `stop` which processes are the node's (``isOpen(by:_:)``). A second `start` or
/// `foreground` finds the lock taken and stops at once, naming that pid, where a probe of the
/// control socket would only see a node that has bound it already; deleting `var/run/` (the
/// socket, the pid files, the lock file) does not free it. The kernel drops the lock when its
/// last holder dies, so a crash never leaves a stale lock.
///
/// Heart hands its descriptors to the node it runs, and a node restarting in place (`exec`)
/// to its next incarnation (`DISTILL_NODE_LOCK_FD`): the lock is never let go between two
/// incarnations. Everywhere else the descriptors are close-on-exec, so hooks and health
/// commands never inherit them.
struct NodeLock {
    /// The environment variable that hands the descriptors on across an `exec`: "FILE,ROOT".
    static let variable = "DISTILL_NODE_LOCK_FD"

    /// `var/run/NAME.lock`, open.
    let descriptor: Int32
    /// The release's root directory, open and locked.
    let root: Int32

    static func path(_ paths: ReleasePaths) -> String { paths.runDirectory + "/" + paths.name + ".lock" }

    /// Takes the lock (or the one handed on by heart or the previous incarnation); throws
    /// `alreadyRunning`, naming the pid that holds it, if another node has it.
    static func acquire(_ paths: ReleasePaths) throws(BootError) -> NodeLock {
        let path = path(paths)
        if let handed = handedOn(paths) { return handed }
        let root = open(paths.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else {
            throw BootError(.controlSocket, "cannot open \(paths.root): \(Posix.text(errno: errno))")
        }
        while flock(root, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(root)
            guard code == EWOULDBLOCK else {
                throw BootError(.controlSocket, "cannot lock \(paths.root): \(Posix.text(errno: code))")
            }
            throw BootError(.alreadyRunning, heldMessage(paths))
        }
        do {
            try Posix.makeDirectories(paths.root + "/var", mode: 0o755)
            try Posix.makeDirectories(paths.runDirectory, mode: 0o700)
        } catch {
            close(root)
            throw BootError(.controlSocket, "\(error)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let reason = Posix.text(errno: errno)
            close(root)
            throw BootError(.controlSocket, "cannot open \(paths.relative(path)): \(reason)")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        return NodeLock(descriptor: fd, root: root)
    }

    /// "lab is already running: pid 1234 holds var/run/lab.lock".
    static func heldMessage(_ paths: ReleasePaths) -> String {
        guard let pid = holderPid(paths) else {
            return "\(paths.name) is already running: another process holds the release's lock "
                + "(\(paths.relative(path(paths))) is gone)"
        }
        return "\(paths.name) is already running: pid \(pid) holds \(paths.relative(path(paths)))"
    }

    /// Whether a live process holds the lock (without taking it).
    static func isHeld(_ paths: ReleasePaths) -> Bool {
        let fd = open(paths.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
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

    /// The descriptors `DISTILL_NODE_LOCK_FD` names, if they are this release's lock file and
    /// its root holding the lock; the variable is removed either way.
    private static func handedOn(_ paths: ReleasePaths) -> NodeLock? {
        guard let value = getenv(variable).map({ String(cString: $0) }) else { return nil }
        unsetenv(variable)
        let numbers = value.split(separator: ",").compactMap { Int32($0) }
        guard numbers.count == 2, numbers.allSatisfy({ $0 > 2 }) else { return nil }
        func same(_ fd: Int32, _ path: String) -> Bool {
            var held = stat()
            var file = stat()
            return fstat(fd, &held) == 0 && stat(path, &file) == 0 && held.st_dev == file.st_dev
                && held.st_ino == file.st_ino
        }
        guard same(numbers[0], path(paths)), same(numbers[1], paths.root) else { return nil }
        // The same open directory: taking the lock again succeeds at once.
        guard flock(numbers[1], LOCK_EX | LOCK_NB) == 0 else { return nil }
        for fd in numbers { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return NodeLock(descriptor: numbers[0], root: numbers[1])
    }

    /// Lets the descriptors through the next `exec` and names them in the environment; for
    /// heart's child (after `fork`) and a node about to restart in place.
    func handOn() {
        _ = fcntl(descriptor, F_SETFD, 0)
        _ = fcntl(root, F_SETFD, 0)
        setenv(Self.variable, "\(descriptor),\(root)", 1)
    }
}
