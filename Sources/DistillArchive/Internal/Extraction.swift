//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Creates validated entries below a private directory, through directory descriptors and
/// `O_NOFOLLOW`, so that no path is ever resolved through a symbolic link.
struct Extraction: ~Copyable {
    private let root: Int32
    private var cachedParent: (path: String, fd: Int32)?
    /// Directories whose permissions and times are set last (children first), so that a
    /// read-only directory does not stop its own extraction.
    private var directories: [String: (permissions: UInt16, modificationTime: Int64?)] = [:]

    init(root: Int32) {
        self.root = root
    }

    deinit {
        if let cachedParent { close(cachedParent.fd) }
    }

    mutating func create(_ entry: ArchiveEntry, reader: inout TarReader) throws(Failure) {
        let (parent, name) = try parentDirectory(of: entry.path)
        switch entry.kind {
        case .directory:
            if mkdirat(parent, name, 0o700) != 0 {
                // The validator allows an explicit entry for a directory implied earlier.
                guard errno == EEXIST, isDirectory(parent, name) else {
                    throw Failure.system("cannot create directory", errno: errno, entry: entry.path)
                }
            }
            directories[entry.path] = (entry.permissions, entry.modificationTime)
        case .regularFile:
            let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw Failure.system("cannot create file", errno: errno, entry: entry.path) }
            defer { close(fd) }
            try reader.readData { chunk throws(Failure) in try Self.writeAll(fd, chunk, entry: entry.path) }
            var times = Self.times(entry.modificationTime)
            guard fchmod(fd, mode_t(entry.permissions)) == 0, futimens(fd, &times) == 0 else {
                throw Failure.system("cannot set permissions or time", errno: errno, entry: entry.path)
            }
        case .symbolicLink(let target):
            guard symlinkat(target, parent, name) == 0 else {
                throw Failure.system("cannot create symbolic link", errno: errno, entry: entry.path)
            }
            var times = Self.times(entry.modificationTime)
            guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw Failure.system("cannot set time", errno: errno, entry: entry.path)
            }
        case .hardLink(let target):
            // The validator made sure `target` is an earlier regular file whose parents are
            // all directories of this archive, so resolving it from the root follows no link.
            guard linkat(root, target, parent, name, 0) == 0 else {
                throw Failure.system("cannot create hard link", errno: errno, entry: entry.path)
            }
        }
    }

    /// Gives every directory its final permissions and time, deepest first, then the root 0755.
    mutating func finish() throws(Failure) {
        if let cachedParent {
            close(cachedParent.fd)
            self.cachedParent = nil
        }
        func depth(_ path: String) -> Int { path.utf8.reduce(0) { $1 == UInt8(ascii: "/") ? $0 + 1 : $0 } }
        for (path, directory) in directories.sorted(by: { depth($0.key) > depth($1.key) }) {
            if let modificationTime = directory.modificationTime {
                var times = Self.times(modificationTime)
                guard utimensat(root, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw Failure.system("cannot set time", errno: errno, entry: path)
                }
            }
            guard fchmodat(root, path, mode_t(directory.permissions), 0) == 0 else {
                throw Failure.system("cannot set permissions", errno: errno, entry: path)
            }
        }
        guard fchmod(root, 0o755) == 0 else { throw Failure.system("cannot set permissions", errno: errno) }
    }

    // MARK: - Parents

    /// A descriptor for the directory holding `path` (owned by the cache) and the last
    /// component; directories implied but not listed are created with 0755.
    private mutating func parentDirectory(of path: String) throws(Failure) -> (Int32, String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (root, path) }
        let parentPath = String(path[..<slash])
        let name = String(path[path.utf8.index(after: slash)...])
        if let cachedParent, cachedParent.path == parentPath { return (cachedParent.fd, name) }
        var current = root
        var walked = ""
        for component in parentPath.split(separator: "/") {
            walked = walked.isEmpty ? String(component) : walked + "/" + component
            var next = openat(current, String(component), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT {
                guard mkdirat(current, String(component), 0o700) == 0 else {
                    if current != root { close(current) }
                    throw Failure.system("cannot create directory", errno: errno, entry: walked)
                }
                directories[walked] = (0o755, nil)
                next = openat(current, String(component), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            if current != root { close(current) }
            guard next >= 0 else { throw Failure.system("cannot open directory", errno: code, entry: walked) }
            current = next
        }
        if let cachedParent { close(cachedParent.fd) }
        cachedParent = (parentPath, current)
        return (current, name)
    }

    private func isDirectory(_ parent: Int32, _ name: String) -> Bool {
        var info = stat()
        return fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    // MARK: - Helpers

    /// Access and modification times for `futimens`/`utimensat`, both `seconds`.
    private static func times(_ seconds: Int64) -> [timespec] {
        let time = timespec(tv_sec: Int(seconds), tv_nsec: 0)
        return [time, time]
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, entry: String) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure.system("cannot write", errno: errno, entry: entry)
            }
            offset += written
        }
    }
}

/// Removes a directory tree that this process created, without following symbolic links.
/// Best effort: it runs while another error is being reported.
func removeTree(at path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd >= 0 {
        removeContents(of: fd)
        close(fd)
    }
    rmdir(path)
}

private func removeContents(of directory: Int32) {
    fchmod(directory, 0o700)
    let listing = dup(directory)
    guard listing >= 0, let stream = fdopendir(listing) else { return }
    var names: [[CChar]] = []
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            raw.prefix { $0 != 0 }.map { CChar(bitPattern: $0) }
        }
        if name != [46], name != [46, 46] { names.append(name + [0]) }
    }
    closedir(stream)
    for name in names {
        name.withUnsafeBufferPointer { name in
            let name = name.baseAddress!
            if unlinkat(directory, name, 0) == 0 { return }
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if child >= 0 {
                removeContents(of: child)
                close(child)
            }
            unlinkat(directory, name, AT_REMOVEDIR)
        }
    }
}
