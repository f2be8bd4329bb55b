//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Bounds on what an archive may hold, checked while it is read, before anything is written.
///
/// A release is tens of megabytes in a few thousand entries with paths of a few dozen bytes;
/// the defaults leave ample room while refusing decompression bombs, archives that would fill
/// a server's disk, and metadata bombs (thousands of pax headers, millions of long paths).
///
/// Memory: reading an archive keeps its entry list and one record per path, at most
/// ``maximumMetadataSize`` bytes of paths and link targets, plus one extension header at a
/// time (at most ``maximumExtensionHeaderSize`` bytes) and fixed buffers of under 1 MiB. With
/// the defaults an unpack stays well within 64 MiB over the process's idle size, whatever the
/// archive holds (measured in `ArchiveMemoryTests`).
public struct ArchiveLimits: Hashable, Sendable {
    /// Largest sum of the declared sizes of all entries' data, in bytes (default 1 GiB).
    public var maximumTotalSize: Int64
    /// Largest declared size of one entry's data, in bytes (default 1 GiB).
    public var maximumEntrySize: Int64
    /// Most entries, directories and links included (default 100,000).
    public var maximumEntryCount: Int
    /// Longest entry path or link target, in bytes (default 4,096, Linux's `PATH_MAX`).
    public var maximumPathLength: Int
    /// Most pax and GNU extension headers (`x`, `g`, `L`, `K`) in the archive (default 100,000).
    public var maximumExtensionHeaderCount: Int
    /// Largest extension header, in bytes of data (default 64 KiB: a path is a few KiB at most).
    public var maximumExtensionHeaderSize: Int
    /// Most bytes of metadata in the whole archive: the data of every extension header plus
    /// every entry's path and link target (default 16 MiB; a release of 5,000 entries has
    /// about 300 KiB).
    public var maximumMetadataSize: Int64

    public init(
        maximumTotalSize: Int64 = 1 << 30,
        maximumEntrySize: Int64 = 1 << 30,
        maximumEntryCount: Int = 100_000,
        maximumPathLength: Int = 4096,
        maximumExtensionHeaderCount: Int = 100_000,
        maximumExtensionHeaderSize: Int = 64 << 10,
        maximumMetadataSize: Int64 = 16 << 20
    ) {
        self.maximumTotalSize = maximumTotalSize
        self.maximumEntrySize = maximumEntrySize
        self.maximumEntryCount = maximumEntryCount
        self.maximumPathLength = maximumPathLength
        self.maximumExtensionHeaderCount = maximumExtensionHeaderCount
        self.maximumExtensionHeaderSize = maximumExtensionHeaderSize
        self.maximumMetadataSize = maximumMetadataSize
    }

    /// 1 GiB in total and per entry, 100,000 entries, 4,096-byte paths, 100,000 extension
    /// headers of at most 64 KiB, 16 MiB of metadata.
    public static var `default`: Self { Self() }
}
