//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Decides, header by header, whether an entry is safe to extract, keeping what earlier
/// entries made of each path. Everything it refuses is refused before extraction starts,
/// because extraction runs only after a full validation pass.
struct EntryValidator {
    private enum Node {
        case directory(explicit: Bool)
        case file, symlink
    }

    let limits: ArchiveLimits
    private var nodes: [String: Node] = [:]
    private var count = 0
    private var total: Int64 = 0

    init(limits: ArchiveLimits) {
        self.limits = limits
    }

    /// The validated entry, or nil for an entry naming the root itself (`./`).
    mutating func admit(_ header: RawHeader) throws(Failure) -> ArchiveEntry? {
        let name = header.path
        count += 1
        guard count <= limits.maximumEntryCount else {
            throw Failure(
                .limitExceeded,
                entry: name,
                "archive has more than \(limits.maximumEntryCount) entries"
            )
        }
        guard name.utf8.count <= limits.maximumPathLength, header.linkTarget.utf8.count <= limits.maximumPathLength
        else {
            throw Failure(
                .limitExceeded,
                entry: name,
                "path or link target is longer than \(limits.maximumPathLength) bytes"
            )
        }
        let path: String
        do {
            path = try ArchivePath.normalise(name)
        } catch {
            throw Failure(error.code, entry: name, error.message)
        }
        let kind = try kind(of: header, path: path)
        if path.isEmpty, kind != .directory {
            throw Failure(.invalidPath, entry: name, "entry names the release directory itself")
        }
        if kind == .regularFile, name.utf8.last == UInt8(ascii: "/") {
            throw Failure(.invalidPath, entry: name, "path of a regular file ends with '/'")
        }
        if kind != .regularFile, header.size != 0 {
            let what = kind == .directory ? "directory" : "link"
            throw Failure(.malformedHeader, entry: name, "a \(what) entry declares \(header.size) bytes of data")
        }
        if path.isEmpty { return nil }
        guard header.size <= limits.maximumEntrySize else {
            throw Failure(
                .limitExceeded,
                entry: name,
                "entry size \(header.size) bytes exceeds the limit of \(limits.maximumEntrySize) bytes"
            )
        }
        total += header.size
        guard total <= limits.maximumTotalSize else {
            throw Failure(
                .limitExceeded,
                entry: name,
                "archive contents exceed the limit of \(limits.maximumTotalSize) bytes in total"
            )
        }
        try checkParents(of: path, name: name)
        switch nodes[path] {
        case nil:
            break
        case .directory(explicit: false) where kind == .directory:
            break
        default:
            throw Failure(.duplicatePath, entry: name, "path '\(path)' appears more than once in the archive")
        }
        switch kind {
        case .symbolicLink(let target):
            do {
                try ArchivePath.checkSymlinkTarget(target, linkPath: path)
            } catch {
                throw Failure(error.code, entry: name, error.message)
            }
            nodes[path] = .symlink
        case .hardLink(let target):
            guard case .file = nodes[target] else {
                throw Failure(
                    .invalidHardLink,
                    entry: name,
                    "hard link target '\(target)' is not a regular file extracted before it"
                )
            }
            nodes[path] = .file
        case .regularFile:
            nodes[path] = .file
        case .directory:
            nodes[path] = .directory(explicit: true)
        }
        return ArchiveEntry(
            path: path,
            kind: kind,
            size: kind == .regularFile ? header.size : 0,
            permissions: UInt16(header.mode & 0o755),
            modificationTime: header.modificationTime
        )
    }

    private func kind(of header: RawHeader, path: String) throws(Failure) -> ArchiveEntry.Kind {
        let name = header.path
        switch header.type {
        case 0:
            // Old v7 archives have no directory type: an entry named `dir/` is a directory.
            return header.path.utf8.last == UInt8(ascii: "/") ? .directory : .regularFile
        case UInt8(ascii: "0"), UInt8(ascii: "7"):
            return .regularFile
        case UInt8(ascii: "5"):
            return .directory
        case UInt8(ascii: "2"):
            return .symbolicLink(target: header.linkTarget)
        case UInt8(ascii: "1"):
            guard !header.linkTarget.isEmpty else {
                throw Failure(.invalidHardLink, entry: name, "hard link has no target")
            }
            do {
                return .hardLink(target: try ArchivePath.normalise(header.linkTarget))
            } catch {
                let reason =
                    error.code == .invalidPath
                    ? "is not a valid path (\(error.message))" : "is outside the release directory"
                throw Failure(.invalidHardLink, entry: name, "hard link target '\(header.linkTarget)' \(reason)")
            }
        case UInt8(ascii: "3"), UInt8(ascii: "4"):
            throw Failure(.unsupportedEntryType, entry: name, "device files are not allowed in a release")
        case UInt8(ascii: "6"):
            throw Failure(.unsupportedEntryType, entry: name, "FIFOs are not allowed in a release")
        case UInt8(ascii: "S"):
            throw Failure(.unsupportedEntryType, entry: name, "sparse files are not supported")
        default:
            let flag =
                (0x21...0x7E).contains(header.type)
                ? "'\(Character(Unicode.Scalar(header.type)))'" : "\(header.type)"
            throw Failure(.unsupportedEntryType, entry: name, "entry type \(flag) is not supported")
        }
    }

    /// Every proper prefix of `path` must be a directory (explicit or implied by an earlier
    /// entry), or not yet seen (it becomes an implied directory).
    private mutating func checkParents(of path: String, name: String) throws(Failure) {
        var parents: [String] = []
        var end = path.utf8.startIndex
        while let slash = path.utf8[end...].firstIndex(of: UInt8(ascii: "/")) {
            parents.append(String(path[..<slash]))
            end = path.utf8.index(after: slash)
        }
        for parent in parents {
            switch nodes[parent] {
            case .symlink:
                throw Failure(.parentIsSymlink, entry: name, "parent '\(parent)' is a symbolic link in this archive")
            case .file:
                throw Failure(.parentNotDirectory, entry: name, "parent '\(parent)' is a file in this archive")
            case .directory:
                continue
            case nil:
                nodes[parent] = .directory(explicit: false)
            }
        }
    }
}
