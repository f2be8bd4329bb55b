//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why a tarball could not be packed. Printed like a compiler diagnostic:
/// `_build/prod/rel/kv-0.2.0.tar.gz: entry 'bin/kv': cannot read 'rel/kv/bin/kv': Permission denied`.
public struct PackError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case io, unsupportedFileType, invalidPath, symlinkEscapes, duplicatePath, fileChanged, libarchive
            case invalidSourceDateEpoch
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A system call failed: reading a source, writing or renaming the tarball (`ENOSPC`...).
        public static var io: Self { Self(.io) }
        /// A socket, FIFO or device in the tree: a release holds files, directories and links.
        public static var unsupportedFileType: Self { Self(.unsupportedFileType) }
        /// An entry path that is empty, absolute or has a `..` component, or lies below a link.
        public static var invalidPath: Self { Self(.invalidPath) }
        /// A symbolic link that is absolute or leaves the release (see `ArchivePath`).
        public static var symlinkEscapes: Self { Self(.symlinkEscapes) }
        /// Two entries with the same path.
        public static var duplicatePath: Self { Self(.duplicatePath) }
        /// A file whose size changed while it was being packed.
        public static var fileChanged: Self { Self(.fileChanged) }
        /// libarchive refused an operation.
        public static var libarchive: Self { Self(.libarchive) }
        /// `SOURCE_DATE_EPOCH` is not a non-negative decimal integer.
        public static var invalidSourceDateEpoch: Self { Self(.invalidSourceDateEpoch) }

        public var description: String { "\(wrapped)" }
    }

    /// The kind of problem.
    public var code: Code
    /// The tarball being written, as the caller named it.
    public var destination: String
    /// The entry's path inside the tarball, when the problem concerns one entry.
    public var entry: String?
    /// What is wrong, starting lowercase.
    public var message: String

    public init(code: Code, destination: String, entry: String? = nil, message: String) {
        self.code = code
        self.destination = destination
        self.entry = entry
        self.message = message
    }

    /// `destination: entry 'path': message`, or `destination: message`.
    public var description: String {
        if let entry { return "\(destination): entry '\(entry)': \(message)" }
        return "\(destination): \(message)"
    }
}
