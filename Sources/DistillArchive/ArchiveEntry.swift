//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One entry of a release archive, after validation: what extraction creates.
public struct ArchiveEntry: Hashable, Sendable {
    /// What the entry is.
    public enum Kind: Hashable, Sendable {
        case directory
        case regularFile
        /// A symbolic link; `target` is relative and stays inside the extraction root.
        case symbolicLink(target: String)
        /// A hard link to `target`, the normalised path of an earlier regular file entry.
        case hardLink(target: String)
    }

    /// Normalised relative path: no leading `./` or `/`, no trailing `/`, no `.` or `..`
    /// components, components joined by one `/`.
    public var path: String
    /// What the entry is.
    public var kind: Kind
    /// Bytes of data: the file's size for a regular file, 0 for everything else.
    public var size: Int64
    /// Permission bits (`0o755` at most): write permission for group and others, set-user-ID,
    /// set-group-ID and sticky bits are stripped.
    public var permissions: UInt16
    /// Modification time, seconds since the epoch.
    public var modificationTime: Int64

    public init(path: String, kind: Kind, size: Int64, permissions: UInt16, modificationTime: Int64) {
        self.path = path
        self.kind = kind
        self.size = size
        self.permissions = permissions
        self.modificationTime = modificationTime
    }
}
