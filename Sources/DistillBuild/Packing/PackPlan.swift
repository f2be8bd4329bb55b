//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import Glibc

/// The entries to pack, checked, completed with their parent directories and sorted.
struct PackPlan {
    private(set) var entries: [TarballEntry] = []
    private(set) var totalBytes: Int64 = 0

    init(_ input: [TarballEntry], destination: String) throws(PackError) {
        func failure(_ code: PackError.Code, _ entry: String, _ message: String) -> PackError {
            PackError(code: code, destination: destination, entry: entry, message: message)
        }
        var byPath: [String: TarballEntry] = [:]
        for var entry in input {
            do {
                entry.path = try ArchivePath.normalise(entry.path)
            } catch {
                throw failure(.invalidPath, entry.path, error.message)
            }
            if entry.path.isEmpty { throw failure(.invalidPath, ".", "entry names the tarball's root") }
            if byPath[entry.path] != nil {
                throw failure(.duplicatePath, entry.path, "path appears more than once")
            }
            byPath[entry.path] = entry
        }
        for entry in Array(byPath.values) {
            var parent = Substring(entry.path)
            while let slash = parent.lastIndex(of: "/") {
                parent = parent[..<slash]
                let path = String(parent)
                switch byPath[path]?.kind {
                case nil: byPath[path] = TarballEntry(path: path, kind: .directory)
                case .directory: break
                case .symbolicLink: throw failure(.invalidPath, entry.path, "parent '\(path)' is a symbolic link")
                case .file: throw failure(.invalidPath, entry.path, "parent '\(path)' is a file")
                }
            }
        }
        for entry in byPath.values {
            switch entry.kind {
            case .symbolicLink(let target):
                do {
                    try ArchivePath.checkSymlinkTarget(target, linkPath: entry.path)
                } catch {
                    throw failure(
                        error.code == .symlinkEscapes ? .symlinkEscapes : .invalidPath,
                        entry.path,
                        error.message
                    )
                }
            case .file(let source, _):
                var info = stat()
                guard stat(source, &info) == 0 else {
                    throw failure(.io, entry.path, "cannot read '\(source)': \(String(cString: strerror(errno)))")
                }
                totalBytes += Int64(info.st_size)
            case .directory:
                break
            }
        }
        entries = byPath.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}

/// Writing a file under a temporary name in its directory, then renaming it into place.
enum AtomicFile {
    /// Creates a temporary file next to `destination` (mode 0644), lets `body` write to it,
    /// flushes it to disk and renames it to `destination`; on any failure removes it.
    static func write(_ destination: String, _ body: (Int32) throws(PackError) -> Void) throws(PackError) {
        let (directory, name) = split(destination)
        var template = Array("\(directory)/\(temporaryPrefix(for: name))XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw PackError(
                code: .io,
                destination: destination,
                message: "cannot create a temporary file in '\(directory)': \(String(cString: strerror(errno)))"
            )
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var open = true
        do throws(PackError) {
            func check(_ status: Int32, _ what: String) throws(PackError) {
                guard status == 0 else {
                    throw PackError(
                        code: .io,
                        destination: destination,
                        message: "\(what): \(String(cString: strerror(errno)))"
                    )
                }
            }
            try check(fchmod(fd, 0o644), "cannot set the tarball's permissions")
            try body(fd)
            try check(fsync(fd), "cannot flush the tarball to disk")
            open = false
            try check(close(fd), "cannot close the tarball")
            try check(rename(temporary, destination), "cannot rename '\(temporary)' to the tarball")
        } catch {
            if open { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    /// How temporary files for a destination named `name` start.
    static func temporaryPrefix(for name: String) -> String { ".\(name).tmp-" }

    /// The directory and file name of `path`.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, String(path[path.index(after: slash)...]))
    }
}
