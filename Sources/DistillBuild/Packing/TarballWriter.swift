//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import Glibc

/// Packs a release into a reproducible, gzip-compressed tarball through libarchive.
///
/// - **Reproducible**: entries sorted by path (bytewise), every parent directory present,
///   directories 0755, files 0644 or 0755 when executable, symbolic links as links, one
///   modification time for every entry (``modificationTime``: from `SOURCE_DATE_EPOCH`, which
///   the caller reads, see ``modificationTime(sourceDateEpoch:)``), owner and group 0 with empty
///   names, no access or change times, a gzip header without timestamp or name. The same tree
///   packs to the same bytes whatever its files' times, owners or the umask.
/// - **Portable**: pax-restricted tar (plain ustar unless a path needs pax), which GNU tar,
///   bsdtar and ``DistillArchive/ReleaseArchive`` read; long paths work.
/// - **Streaming**: files are read in chunks; memory does not grow with the release.
/// - **Atomic**: the tarball is written to a temporary file in the destination's directory,
///   flushed to disk and renamed over the destination; on any failure the temporary file is
///   removed and nothing appears under the destination's name.
/// - **Safe to unpack**: paths and link targets follow ``DistillArchive/ArchivePath``'s rules,
///   so ``DistillArchive/ReleaseArchive`` accepts every tarball this writes.
public struct TarballWriter: Sendable {
    /// The time every entry carries, in seconds since the epoch.
    public var modificationTime: Int64
    /// gzip compression level, 1 (fastest) to 9 (smallest); 6 is gzip's default.
    public var compressionLevel: Int

    /// 1980-01-01T00:00:00Z: the time used when `SOURCE_DATE_EPOCH` is not set (a date every
    /// archive format and tool accepts, unlike 0 which some treat as "unknown").
    public static let defaultModificationTime: Int64 = 315_532_800

    public init(modificationTime: Int64 = Self.defaultModificationTime, compressionLevel: Int = 6) {
        self.modificationTime = modificationTime
        self.compressionLevel = compressionLevel
    }

    /// The modification time for `SOURCE_DATE_EPOCH`'s value (`nil` or empty when unset): a
    /// non-negative decimal number of seconds, or ``defaultModificationTime``.
    public static func modificationTime(sourceDateEpoch value: String?) throws(PackError) -> Int64 {
        guard let value, !value.isEmpty else { return defaultModificationTime }
        guard value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let seconds = Int64(value)
        else {
            throw PackError(
                code: .invalidSourceDateEpoch,
                destination: "SOURCE_DATE_EPOCH",
                message: "'\(value)' is not a non-negative whole number of seconds"
            )
        }
        return seconds
    }

    /// How far packing has got: file bytes packed out of the total, entries written.
    public struct Progress: Hashable, Sendable {
        public var bytesDone: Int64
        public var bytesTotal: Int64
        public var entriesDone: Int
        public var entriesTotal: Int
    }

    /// Packs `entries` into `destination`. Missing parent directories are added; paths are
    /// normalised and sorted, so the order of `entries` does not matter.
    public func pack(
        _ entries: [TarballEntry],
        to destination: String,
        progress: ((Progress) -> Void)? = nil
    ) throws(PackError) {
        let plan = try PackPlan(entries, destination: destination)
        try AtomicFile.write(destination) { fd throws(PackError) in
            try write(plan, to: fd, destination: destination, progress: progress)
        }
    }

    // MARK: - Writing

    private static let chunkSize = 1 << 20

    private func write(
        _ plan: PackPlan,
        to fd: Int32,
        destination: String,
        progress: ((Progress) -> Void)?
    ) throws(PackError) {
        func failure(_ error: TarStreamError, entry: String? = nil) -> PackError {
            PackError(code: error.code, destination: destination, entry: entry, message: error.message)
        }
        let stream: TarStream
        do {
            stream = try TarStream(fd: fd, compressionLevel: compressionLevel)
        } catch {
            throw failure(error)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var state = Progress(
            bytesDone: 0,
            bytesTotal: plan.totalBytes,
            entriesDone: 0,
            entriesTotal: plan.entries.count
        )
        progress?(state)
        for entry in plan.entries {
            do {
                switch entry.kind {
                case .directory:
                    try stream.writeHeader(
                        path: entry.path,
                        type: .directory,
                        permissions: 0o755,
                        modificationTime: modificationTime
                    )
                case .symbolicLink(let target):
                    try stream.writeHeader(
                        path: entry.path,
                        type: .symbolicLink,
                        permissions: 0o777,
                        linkTarget: target,
                        modificationTime: modificationTime
                    )
                case .file(let source, let executable):
                    try packFile(
                        source,
                        executable: executable,
                        path: entry.path,
                        stream: stream,
                        buffer: buffer,
                        destination: destination
                    ) { count in
                        state.bytesDone += Int64(count)
                        progress?(state)
                    }
                }
            } catch {
                throw failure(error, entry: entry.path)
            }
            state.entriesDone += 1
        }
        do {
            try stream.finish()
        } catch {
            throw failure(error)
        }
        progress?(state)
    }

    private func packFile(
        _ source: String,
        executable: Bool?,
        path: String,
        stream: TarStream,
        buffer: UnsafeMutableRawBufferPointer,
        destination: String,
        advanced: (Int) -> Void
    ) throws(TarStreamError) {
        let fd = open(source, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block us
        guard fd >= 0 else { throw TarStreamError(systemCall: "cannot read '\(source)'") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TarStreamError(systemCall: "cannot read '\(source)'") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw TarStreamError(code: .unsupportedFileType, message: "'\(source)' is not a regular file")
        }
        let isExecutable = executable ?? (info.st_mode & 0o111 != 0)
        let size = Int64(info.st_size)
        try stream.writeHeader(
            path: path,
            type: .regularFile,
            permissions: isExecutable ? 0o755 : 0o644,
            size: size,
            modificationTime: modificationTime
        )
        var left = size
        while left > 0 {
            let count = read(fd, buffer.baseAddress, Int(min(Int64(buffer.count), left)))
            if count < 0 {
                if errno == EINTR { continue }
                throw TarStreamError(systemCall: "cannot read '\(source)'")
            }
            if count == 0 {
                throw TarStreamError(code: .fileChanged, message: "'\(source)' shrank while it was being packed")
            }
            try stream.writeData(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            left -= Int64(count)
            advanced(count)
        }
        var probe: UInt8 = 0
        if read(fd, &probe, 1) > 0 {
            throw TarStreamError(code: .fileChanged, message: "'\(source)' grew while it was being packed")
        }
    }
}
