//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why a release archive was refused or could not be read or extracted.
///
/// It names the archive (as the caller spelled its path), the entry when there is one, and
/// the reason, and prints like a compiler diagnostic:
/// `kv-0.2.0.tar.gz: entry '../etc/passwd': path escapes the release directory`.
/// Errors are `Hashable`, so tests match them exactly.
public struct ArchiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is; stable for programs, while the message is for people.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case io, notGzip, truncated, corrupt, malformedHeader, trailingData
            case unsupportedEntryType, invalidPath, absolutePath, pathEscapes, symlinkEscapes, invalidHardLink
            case duplicatePath, parentIsSymlink, parentNotDirectory, limitExceeded, rejectedLayout
            case destinationExists, archiveChanged
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A system call failed (open, read, write, mkdir, rename...).
        public static var io: Self { Self(.io) }
        /// The file is not gzip-compressed.
        public static var notGzip: Self { Self(.notGzip) }
        /// The gzip stream or the tar archive ends early (including missing end-of-archive blocks).
        public static var truncated: Self { Self(.truncated) }
        /// The compressed data is damaged (bad deflate data, CRC or length mismatch).
        public static var corrupt: Self { Self(.corrupt) }
        /// A tar header is not valid: bad checksum, bad number, bad pax record.
        public static var malformedHeader: Self { Self(.malformedHeader) }
        /// Non-zero data follows the end of the tar archive or of the gzip stream.
        public static var trailingData: Self { Self(.trailingData) }
        /// A device, FIFO, sparse file or other entry type a release never holds.
        public static var unsupportedEntryType: Self { Self(.unsupportedEntryType) }
        /// An empty path, or one that is not UTF-8 or holds a NUL byte.
        public static var invalidPath: Self { Self(.invalidPath) }
        /// A path starting with `/`.
        public static var absolutePath: Self { Self(.absolutePath) }
        /// A path with a `..` component.
        public static var pathEscapes: Self { Self(.pathEscapes) }
        /// A symbolic link whose target is absolute or leaves the extraction root.
        public static var symlinkEscapes: Self { Self(.symlinkEscapes) }
        /// A hard link to a path outside the archive, or not (yet) extracted as a regular file.
        public static var invalidHardLink: Self { Self(.invalidHardLink) }
        /// Two entries with the same path.
        public static var duplicatePath: Self { Self(.duplicatePath) }
        /// An entry below a path that the archive made a symbolic link.
        public static var parentIsSymlink: Self { Self(.parentIsSymlink) }
        /// An entry below a path that the archive made a regular file or hard link.
        public static var parentNotDirectory: Self { Self(.parentNotDirectory) }
        /// Too many entries, too large an entry or total, too long a path.
        public static var limitExceeded: Self { Self(.limitExceeded) }
        /// The caller's layout check refused the entries.
        public static var rejectedLayout: Self { Self(.rejectedLayout) }
        /// The extraction destination exists already.
        public static var destinationExists: Self { Self(.destinationExists) }
        /// The archive file changed between validation and extraction.
        public static var archiveChanged: Self { Self(.archiveChanged) }

        public var description: String { "\(wrapped)" }
    }

    /// The kind of problem.
    public var code: Code
    /// The archive's path, as the caller gave it.
    public var archive: String
    /// The entry's path as the archive spells it, when the problem concerns one entry.
    public var entry: String?
    /// What is wrong, starting lowercase: `path escapes the release directory`.
    public var message: String

    public init(code: Code, archive: String, entry: String? = nil, message: String) {
        self.code = code
        self.archive = archive
        self.entry = entry
        self.message = message
    }

    /// `archive: entry 'path': message`, or `archive: message`. Control characters (which a
    /// hostile archive may put in a name to play with the terminal) are shown escaped: `\u{1B}`.
    public var description: String {
        let text = entry.map { "\(archive): entry '\($0)': \(message)" } ?? "\(archive): \(message)"
        guard text.unicodeScalars.contains(where: Self.isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if Self.isControl(scalar) {
                escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
