//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillShims
import Glibc

/// A path inside a release's directory, resolved one component at a time from a descriptor
/// of the root with `O_NOFOLLOW`: no component may be `..`, `.` or empty, and no directory
/// on the way may be a symbolic link. What the release handler deletes, moves or loads is
/// reached this way, so a name read from a release file (already refused by the parsers if
/// it is not a plain name, see `ReleaseName`) can never lead outside the release.
struct ContainedPath: Hashable, Sendable, CustomStringConvertible {
    /// Why a path could not be used.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }

        static func system(_ what: String, _ path: String, errno code: Int32) -> Failure {
            Failure(message: "cannot \(what) '\(path)': \(String(cString: strerror(code)))")
        }
    }

    /// What is at a path.
    enum Kind: Hashable, Sendable {
        case missing, directory, regularFile, symbolicLink, other
    }

    /// The release's directory (absolute).
    let root: String
    /// The components below the root; never empty.
    let components: [String]

    /// `relative` (such as `lib/kv-0.2.0`) below `root`.
    init(root: String, _ relative: String) throws(Failure) {
        let components = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for component in components
        where component.isEmpty || component == "." || component == ".."
            || component.utf8.contains(0)
        {
            throw Failure(message: "'\(relative)' is not a path inside the release \(root)")
        }
        self.root = root
        self.components = components
    }

    /// The full path, for messages and for `dlopen`.
    var path: String { root + "/" + components.joined(separator: "/") }

    var description: String { path }

    /// The path `name` below this one.
    func appending(_ name: String) throws(Failure) -> ContainedPath {
        try ContainedPath(root: root, components.joined(separator: "/") + "/" + name)
    }

    // MARK: - Inspecting

    /// What is at the path; `missing` if it or a directory above it does not exist.
    func kind() throws(Failure) -> Kind {
        guard let parent = try openParent(creating: false) else { return .missing }
        defer { close(parent) }
        var info = stat()
        guard fstatat(parent, components.last!, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return .missing }
            throw .system("inspect", path, errno: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regularFile
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The names in the directory (without `.` and `..`), sorted; empty if it does not exist.
    func list() throws(Failure) -> [String] {
        guard let fd = try openDirectory() else { return [] }
        guard let stream = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw .system("list", path, errno: code)
        }
        defer { closedir(stream) }
        return FileSystem.entryNames(stream).sorted()
    }

    // MARK: - Changing

    /// Removes the path and everything below it, never following a symbolic link; a missing
    /// path is not an error.
    func removeTree() throws(Failure) {
        guard let parent = try openParent(creating: false) else { return }
        defer { close(parent) }
        try Self.remove(components.last!, in: parent, path: path)
    }

    /// Renames `source` to `destination`, which must not exist; the directories above
    /// `destination` are created (0755) if they are missing.
    static func move(_ source: ContainedPath, to destination: ContainedPath) throws(Failure) {
        guard let from = try source.openParent(creating: false) else {
            throw .system("move", source.path, errno: ENOENT)
        }
        defer { close(from) }
        guard let to = try destination.openParent(creating: true) else {
            throw .system("move '\(source.path)' to", destination.path, errno: ENOENT)
        }
        defer { close(to) }
        guard distill_rename_noreplace(from, source.components.last!, to, destination.components.last!) == 0 else {
            throw .system("move '\(source.path)' to", destination.path, errno: errno)
        }
    }

    // MARK: - Trust

    /// Checks that the path is a regular file that only its owner can change: the file and
    /// every directory from the root down to it are writable by neither group nor others,
    /// and none is a symbolic link. What the node loads (`dlopen`) must pass.
    func checkTrusted() throws(Failure) {
        var current = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw .system("open", root, errno: errno) }
        defer { close(current) }
        try Self.checkMode(current, root)
        var walked = root
        for (index, component) in components.enumerated() {
            walked += "/" + component
            let last = index == components.count - 1
            let next = openat(current, component, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY))
            guard next >= 0 else {
                if errno == ELOOP || errno == ENOTDIR {
                    throw Failure(message: "'\(walked)' is a symbolic link or not a directory")
                }
                throw .system("open", walked, errno: errno)
            }
            close(current)
            current = next
            var info = stat()
            guard fstat(current, &info) == 0 else { throw .system("inspect", walked, errno: errno) }
            if last, info.st_mode & S_IFMT != S_IFREG { throw Failure(message: "'\(walked)' is not a regular file") }
            try Self.checkMode(current, walked)
        }
    }

    private static func checkMode(_ fd: Int32, _ path: String) throws(Failure) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system("inspect", path, errno: errno) }
        let mode = info.st_mode & 0o7777
        guard mode & 0o022 == 0 else {
            throw Failure(
                message: "'\(path)' is writable by group or others (mode \(String(mode, radix: 8))); "
                    + "run chmod go-w on it"
            )
        }
    }

    // MARK: - Walking

    /// A descriptor of the directory holding the last component, or `nil` if a directory
    /// on the way is missing (created when `creating`).
    private func openParent(creating: Bool) throws(Failure) -> Int32? {
        var current = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw .system("open", root, errno: errno) }
        var walked = root
        for component in components.dropLast() {
            walked += "/" + component
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, creating {
                if mkdirat(current, component, 0o755) != 0, errno != EEXIST {
                    let code = errno
                    close(current)
                    throw .system("create directory", walked, errno: code)
                }
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            close(current)
            guard next >= 0 else {
                if code == ENOENT { return nil }
                if code == ELOOP || code == ENOTDIR {
                    throw Failure(message: "'\(walked)' is a symbolic link or not a directory")
                }
                throw .system("open", walked, errno: code)
            }
            current = next
        }
        return current
    }

    /// A descriptor of the path itself as a directory, or `nil` if it does not exist.
    private func openDirectory() throws(Failure) -> Int32? {
        guard let parent = try openParent(creating: false) else { return nil }
        defer { close(parent) }
        let fd = openat(parent, components.last!, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .system("open", path, errno: errno)
        }
        return fd
    }

    /// Removes `name` in the directory `parent` (and everything below it), never following
    /// a symbolic link.
    private static func remove(_ name: String, in parent: Int32, path: String) throws(Failure) {
        if unlinkat(parent, name, 0) == 0 { return }
        switch errno {
        case ENOENT: return
        case EISDIR, EPERM: break
        default: throw .system("remove", path, errno: errno)
        }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path, errno: errno) }
        defer { close(fd) }
        for child in try names(in: fd, path: path) {
            try remove(child, in: fd, path: path + "/" + child)
        }
        guard unlinkat(parent, name, AT_REMOVEDIR) == 0 else { throw .system("remove", path, errno: errno) }
    }

    private static func names(in directory: Int32, path: String) throws(Failure) -> [String] {
        let listing = dup(directory)
        guard listing >= 0, let stream = fdopendir(listing) else { throw .system("list", path, errno: errno) }
        defer { closedir(stream) }
        return FileSystem.entryNames(stream)
    }
}
