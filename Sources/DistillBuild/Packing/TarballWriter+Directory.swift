//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

extension TarballWriter {
    /// Packs the tree under `directory` into `destination`, leaving out the relative paths in
    /// `excluded` (an excluded directory leaves out its whole subtree) and, when `destination`
    /// lies inside `directory`, the destination itself and temporary files that an interrupted
    /// earlier pack left next to it. Symbolic links are packed as links; sockets, FIFOs and
    /// devices are refused.
    public func pack(
        directory: String,
        to destination: String,
        excluding excluded: Set<String> = [],
        progress: ((Progress) -> Void)? = nil
    ) throws(PackError) {
        var excluded = excluded
        var temporaryPrefix: String?
        if let inside = Self.relativePath(of: destination, inside: directory) {
            excluded.insert(inside)
            let (parent, name) = AtomicFile.split(inside)
            temporaryPrefix = (parent == "." ? "" : parent + "/") + AtomicFile.temporaryPrefix(for: name)
        }
        var entries: [TarballEntry] = []
        try Self.walk(
            directory,
            relative: "",
            excluding: excluded,
            temporaryPrefix: temporaryPrefix,
            destination: destination,
            into: &entries
        )
        try pack(entries, to: destination, progress: progress)
    }

    private static func walk(
        _ absolute: String,
        relative: String,
        excluding excluded: Set<String>,
        temporaryPrefix: String?,
        destination: String,
        into entries: inout [TarballEntry]
    ) throws(PackError) {
        func failure(_ code: PackError.Code, _ message: String, _ entry: String? = nil) -> PackError {
            PackError(code: code, destination: destination, entry: entry, message: message)
        }
        guard let stream = opendir(absolute) else {
            throw failure(.io, "cannot read directory '\(absolute)': \(String(cString: strerror(errno)))")
        }
        var names: [String] = []
        while let item = readdir(stream) {
            let bytes = withUnsafeBytes(of: item.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes == [46] || bytes == [46, 46] { continue }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                closedir(stream)
                throw failure(
                    .invalidPath,
                    "'\(absolute)/\(String(decoding: bytes, as: UTF8.self))': file name is not UTF-8"
                )
            }
            names.append(name)
        }
        closedir(stream)
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            if excluded.contains(path) { continue }
            if let temporaryPrefix, path.hasPrefix(temporaryPrefix) { continue }
            let source = absolute + "/" + name
            var info = stat()
            guard lstat(source, &info) == 0 else {
                throw failure(.io, "cannot inspect '\(source)': \(String(cString: strerror(errno)))", path)
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(TarballEntry(path: path, kind: .directory))
                try walk(
                    source,
                    relative: path,
                    excluding: excluded,
                    temporaryPrefix: temporaryPrefix,
                    destination: destination,
                    into: &entries
                )
            case S_IFREG:
                entries.append(
                    TarballEntry(path: path, kind: .file(source: source, executable: info.st_mode & 0o111 != 0))
                )
            case S_IFLNK:
                var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let count = readlink(source, &target, target.count - 1)
                guard count >= 0 else {
                    throw failure(.io, "cannot read link '\(source)': \(String(cString: strerror(errno)))", path)
                }
                let bytes = target[..<count].map { UInt8(bitPattern: $0) }
                entries.append(
                    TarballEntry(path: path, kind: .symbolicLink(target: String(decoding: bytes, as: UTF8.self)))
                )
            default:
                throw failure(
                    .unsupportedFileType,
                    "'\(source)' is a socket, FIFO or device; a release holds files, directories and links",
                    path
                )
            }
        }
    }

    /// `destination`'s path relative to `directory` when it lies inside it.
    static func relativePath(of destination: String, inside directory: String) -> String? {
        let (parent, name) = AtomicFile.split(destination)
        guard let root = realPath(directory), let parentPath = realPath(parent) else { return nil }
        if parentPath == root { return name }
        let prefix = root == "/" ? "/" : root + "/"
        guard parentPath.hasPrefix(prefix) else { return nil }
        return String(parentPath.dropFirst(prefix.count)) + "/" + name
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
