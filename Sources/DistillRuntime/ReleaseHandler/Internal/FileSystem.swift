//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillShims
import Glibc

/// The file operations of the release handler that decide what survives a crash or a power
/// cut: atomic writes of the files a boot reads, `fsync`s, removals. The handler calls them in
/// an order that keeps a bootable release at every moment (see ``ReleaseHandler``); tests give
/// a layer that records the order. Each path is absolute.
public protocol ReleaseFileSystem: Sendable {
    /// Writes `contents` to `path` so that a crash leaves the old file or the new one, whole.
    func writeAtomically(_ contents: String, to path: String) throws(ReleaseHandlerError)
    /// Puts the file or directory `path` on disk (`fsync`); a directory's entries with it.
    func sync(_ path: String) throws(ReleaseHandlerError)
    /// Removes `path` and everything below it, never following a symbolic link.
    func removeTree(_ path: String) throws(ReleaseHandlerError)
}

/// ``ReleaseFileSystem`` on the real file system.
public struct PosixFileSystem: ReleaseFileSystem {
    public init() {}

    public func writeAtomically(_ contents: String, to path: String) throws(ReleaseHandlerError) {
        do {
            try FileSystem.writeAtomically(contents, to: path)
        } catch {
            throw ReleaseHandlerError(.fileSystem, error.message)
        }
    }

    public func sync(_ path: String) throws(ReleaseHandlerError) {
        do {
            try FileSystem.sync(path)
        } catch {
            throw ReleaseHandlerError(.fileSystem, error.message)
        }
    }

    public func removeTree(_ path: String) throws(ReleaseHandlerError) {
        do {
            try FileSystem.removeTree(path)
        } catch {
            throw ReleaseHandlerError(.fileSystem, error.message)
        }
    }
}

/// The file operations the release handler needs, on Glibc (the runtime has no Foundation).
/// Every write that a later boot reads is atomic: a temporary file in the same directory,
/// written, `fsync`ed, renamed over the target, then the directory `fsync`ed, so a crash at any
/// moment leaves either the old file or the new one, never a part.
enum FileSystem {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }

        static func system(_ what: String, _ path: String, errno code: Int32 = errno) -> Failure {
            Failure(message: "cannot \(what) '\(path)': \(String(cString: strerror(code)))")
        }
    }

    // MARK: - Reading

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool { Posix.isDirectory(path) }

    static func isExecutableFile(_ path: String) -> Bool { Posix.isExecutableFile(path) }

    /// The whole file as bytes.
    static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("read", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("read", path)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    static func readText(_ path: String) throws(Failure) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// The names in a directory (without `.` and `..`), sorted; empty if it does not exist.
    static func list(_ path: String) -> [String] {
        guard let stream = opendir(path) else { return [] }
        defer { closedir(stream) }
        return entryNames(stream).sorted()
    }

    /// The names an open directory stream lists, without `.` and `..`, in its order.
    static func entryNames(_ stream: OpaquePointer) -> [String] {
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    // MARK: - Writing

    /// Writes `contents` to `path` atomically (temporary file, `fsync`, rename, `fsync` of
    /// the directory).
    static func writeAtomically(_ contents: String, to path: String, mode: mode_t = 0o644) throws(Failure) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .system("create", temporary) }
        var failure: Failure?
        var text = contents
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .system("write", temporary)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .system("sync", temporary) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .system("rename into place", path, errno: code)
        }
        try syncDirectory(parent(of: path))
    }

    /// `fsync` of a file or a directory (not through a symbolic link).
    static func sync(_ path: String) throws(Failure) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .system("inspect", path) }
        let directory = info.st_mode & S_IFMT == S_IFDIR
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw .system("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system("sync", path) }
    }

    /// The files and directories under `path` (itself included), each before the directory
    /// that holds it, so that syncing them in this order syncs every entry after its content.
    /// Symbolic links are listed (their directory's sync keeps them) but not followed.
    static func treeBottomUp(_ path: String) -> [String] {
        var info = stat()
        guard lstat(path, &info) == 0 else { return [] }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            return list(path).flatMap { treeBottomUp(path + "/" + $0) } + [path]
        case S_IFREG:
            return [path]
        default:
            return []
        }
    }

    /// `fsync` of a directory, so that renames and new entries in it survive a crash.
    static func syncDirectory(_ path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system("sync", path) }
    }

    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(Failure) {
        if mkdir(path, mode) != 0, errno != EEXIST { throw .system("create directory", path) }
    }

    /// Renames `source` to `destination`, which must not exist.
    static func move(_ source: String, to destination: String) throws(Failure) {
        guard distill_rename_noreplace(AT_FDCWD, source, AT_FDCWD, destination) == 0 else {
            throw .system("move '\(source)' to", destination)
        }
    }

    /// Removes `path` and everything below it, never following symbolic links; a missing
    /// path is not an error.
    static func removeTree(_ path: String) throws(Failure) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .system("inspect", path)
        }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            guard unlink(path) == 0 else { throw .system("remove", path) }
            return
        }
        for name in list(path) { try removeTree(path + "/" + name) }
        guard rmdir(path) == 0 else { throw .system("remove", path) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
