//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One entry to pack: its path inside the tarball and where its content comes from, so the
/// release builder can pack files from where they are without copying them first.
public struct TarballEntry: Hashable, Sendable {
    /// What the entry is and where its content comes from.
    public enum Kind: Hashable, Sendable {
        /// A directory, packed with mode 0755.
        case directory
        /// A regular file read from `source` (symbolic links followed), packed with mode 0755
        /// if `executable` (when nil: if the source has any execute bit), else 0644.
        case file(source: String, executable: Bool? = nil)
        /// A symbolic link; `target` must be relative and stay inside the tarball.
        case symbolicLink(target: String)
    }

    /// Relative path inside the tarball (`lib/kv-0.2.0/ebin/kv.app`); normalised when packed.
    public var path: String
    /// What the entry is.
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}
