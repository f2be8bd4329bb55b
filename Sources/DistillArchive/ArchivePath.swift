//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The path rules of a release archive, shared by the reader (which refuses what breaks
/// them) and the tarball writer (which never produces it).
///
/// - An entry path is relative; empty and `.` components are dropped; a `..` component
///   anywhere is refused, even where it would stay inside (`a/../b`): a release has no
///   reason for one, and refusing is simpler to trust than resolving. A component longer than
///   255 bytes (`NAME_MAX`) is refused: no file system could create it.
/// - A symbolic link's target is relative and may climb only with *leading* `..`
///   components, at most as many as the link's directory is deep (`lib/x -> ../bin/y`);
///   a `..` after a name (`s/../x`) is refused because `s` may itself be a link (to `.`,
///   say), which would let the climb leave the root. Since the reader also refuses entries
///   below a link, every link then resolves inside the root.
public enum ArchivePath {
    /// Why a path or link target breaks the rules.
    public struct Problem: Error, Hashable, Sendable {
        /// The matching archive error code.
        public var code: ArchiveError.Code
        /// The reason, as an `ArchiveError` message.
        public var message: String

        public init(code: ArchiveError.Code, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// The normalised form of an entry path (see ArchiveEntry/path), or the empty string
    /// for the root itself (`.`, `./`).
    public static func normalise(_ path: String) throws(Problem) -> String {
        if path.isEmpty { throw Problem(code: .invalidPath, message: "path is empty") }
        if path.utf8.contains(0) { throw Problem(code: .invalidPath, message: "path contains a NUL byte") }
        if path.utf8.first == UInt8(ascii: "/") {
            throw Problem(code: .absolutePath, message: "path is absolute")
        }
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
            if component == ".." {
                throw Problem(code: .pathEscapes, message: "path escapes the release directory")
            }
            // No file system takes a longer name (NAME_MAX): refused here, not half way through extraction.
            if component.utf8.count > 255 {
                throw Problem(code: .invalidPath, message: "a path component is longer than 255 bytes")
            }
            components.append(component)
        }
        return components.joined(separator: "/")
    }

    /// Checks that a symbolic link at `linkPath` (normalised) pointing to `target` stays
    /// inside the root.
    public static func checkSymlinkTarget(_ target: String, linkPath: String) throws(Problem) {
        if target.isEmpty { throw Problem(code: .invalidPath, message: "symbolic link target is empty") }
        if target.utf8.contains(0) {
            throw Problem(code: .invalidPath, message: "symbolic link target contains a NUL byte")
        }
        if target.utf8.first == UInt8(ascii: "/") {
            throw Problem(code: .symlinkEscapes, message: "symbolic link target '\(target)' is absolute")
        }
        let depth = linkPath.utf8.reduce(0) { $1 == UInt8(ascii: "/") ? $0 + 1 : $0 }
        var climbs = 0
        var sawName = false
        for component in target.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
            if component == ".." {
                if sawName {
                    throw Problem(
                        code: .symlinkEscapes,
                        message: "symbolic link target '\(target)' has '..' after a name"
                    )
                }
                climbs += 1
                if climbs > depth {
                    throw Problem(
                        code: .symlinkEscapes,
                        message: "symbolic link target '\(target)' leaves the release directory"
                    )
                }
            } else {
                sawName = true
            }
        }
    }
}
