//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Bounds on what an archive may hold, checked before anything is written.
///
/// A release is tens of megabytes in a few thousand entries; the defaults leave ample room
/// while refusing decompression bombs and archives that would fill a server's disk.
public struct ArchiveLimits: Hashable, Sendable {
    /// Largest sum of the declared sizes of all entries' data, in bytes (default 1 GiB).
    public var maximumTotalSize: Int64
    /// Largest declared size of one entry's data, in bytes (default 1 GiB).
    public var maximumEntrySize: Int64
    /// Most entries, directories and links included (default 100,000).
    public var maximumEntryCount: Int
    /// Longest entry path or link target, in bytes (default 4,096, Linux's `PATH_MAX`).
    public var maximumPathLength: Int

    public init(
        maximumTotalSize: Int64 = 1 << 30,
        maximumEntrySize: Int64 = 1 << 30,
        maximumEntryCount: Int = 100_000,
        maximumPathLength: Int = 4096
    ) {
        self.maximumTotalSize = maximumTotalSize
        self.maximumEntrySize = maximumEntrySize
        self.maximumEntryCount = maximumEntryCount
        self.maximumPathLength = maximumPathLength
    }

    /// 1 GiB in total and per entry, 100,000 entries, 4,096-byte paths.
    public static var `default`: Self { Self() }
}
