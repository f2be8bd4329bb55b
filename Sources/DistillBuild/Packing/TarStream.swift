//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CArchive
import Glibc

/// libarchive writing a gzip-compressed pax-restricted tar stream to a descriptor, one
/// header and its data at a time. It checks nothing: ``TarballWriter`` decides what is
/// written (and the tests use it directly to make hostile archives).
///
/// Reproducibility: headers carry only what the caller sets (no atime, ctime, user or group
/// names, no pax attributes except `path`/`linkpath`/`size` when a value does not fit
/// ustar); the pax header entries are named `PaxHeader/NAME` without a process ID; the gzip
/// header has no timestamp (`gzip:!timestamp`) and no file name.
package final class TarStream {
    /// The kinds of entry the stream can write.
    package enum EntryType: Sendable {
        case regularFile, directory, symbolicLink, hardLink, characterDevice, blockDevice, fifo

        /// The `stat` file type bits (libarchive's `AE_IF*`, which Swift cannot import).
        var fileType: UInt32 {
            switch self {
            case .regularFile: 0o100_000
            case .directory: 0o040_000
            case .symbolicLink, .hardLink: 0o120_000
            case .characterDevice: 0o020_000
            case .blockDevice: 0o060_000
            case .fifo: 0o010_000
            }
        }
    }

    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private var closed = false
    /// libarchive converts UTF-8 names through the thread's locale, and crashes on a non-ASCII
    /// name in the C locale (3.6.2): every call runs under C.UTF-8, for this thread only.
    private let utf8Locale: locale_t?

    /// Starts a stream on `fd` (not closed by the stream), compressing with gzip at
    /// `compressionLevel` (0-9; 6 is gzip's default).
    package init(fd: Int32, compressionLevel: Int) throws(TarStreamError) {
        guard let archive = archive_write_new() else {
            throw TarStreamError(code: .libarchive, message: "libarchive: cannot allocate a writer")
        }
        guard let entry = archive_entry_new() else {
            archive_write_free(archive)
            throw TarStreamError(code: .libarchive, message: "libarchive: cannot allocate an entry")
        }
        self.archive = archive
        self.entry = entry
        utf8Locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)
        try check(archive_write_set_format_pax_restricted(archive))
        try check(archive_write_add_filter_gzip(archive))
        try check(archive_write_set_filter_option(archive, "gzip", "compression-level", "\(compressionLevel)"))
        try check(archive_write_set_filter_option(archive, "gzip", "timestamp", nil))
        // The last block is padded to the 10 KiB record, as GNU tar does.
        try check(archive_write_open_fd(archive, fd))
    }

    deinit {
        if !closed { archive_write_close(archive) }
        archive_write_free(archive)
        archive_entry_free(entry)
        if let utf8Locale { freelocale(utf8Locale) }
    }

    /// Writes one header; a regular file's `size` bytes must follow through ``writeData(_:)``.
    package func writeHeader(
        path: String,
        type: EntryType,
        permissions: UInt32,
        size: Int64 = 0,
        linkTarget: String? = nil,
        modificationTime: Int64,
        owner: UInt32 = 0,
        group: UInt32 = 0
    ) throws(TarStreamError) {
        guard
            utf8Locale != nil
                || (path.utf8.allSatisfy { $0 < 0x80 } && (linkTarget ?? "").utf8.allSatisfy { $0 < 0x80 })
        else {
            throw TarStreamError(
                code: .invalidPath,
                message: "non-ASCII path needs the C.UTF-8 locale, which this system lacks"
            )
        }
        let previous = utf8Locale.map { uselocale($0) }
        defer { if let previous { uselocale(previous) } }
        archive_entry_clear(entry)
        archive_entry_set_pathname_utf8(entry, path)
        archive_entry_set_filetype(entry, type.fileType)
        archive_entry_set_perm(entry, mode_t(permissions))
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        archive_entry_set_uid(entry, la_int64_t(owner))
        archive_entry_set_gid(entry, la_int64_t(group))
        switch type {
        case .symbolicLink: archive_entry_set_symlink_utf8(entry, linkTarget)
        case .hardLink:
            archive_entry_set_filetype(entry, 0o100_000)
            archive_entry_set_hardlink_utf8(entry, linkTarget)
        default: break
        }
        try check(archive_write_header(archive, entry))
    }

    /// Writes data of the current regular file.
    package func writeData(_ bytes: UnsafeRawBufferPointer) throws(TarStreamError) {
        guard !bytes.isEmpty else { return }
        let written = archive_write_data(archive, bytes.baseAddress, bytes.count)
        guard written == bytes.count else { throw error() }
    }

    /// Writes the end-of-archive blocks and flushes the compressor.
    package func finish() throws(TarStreamError) {
        closed = true
        try check(archive_write_close(archive))
    }

    private func check(_ status: Int32) throws(TarStreamError) {
        if status != ARCHIVE_OK { throw error() }
    }

    private func error() -> TarStreamError {
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
        let code = archive_errno(archive)
        // libarchive reports a failed write(2) of the output as "Write error" with its errno.
        guard code > 0 else { return TarStreamError(code: .libarchive, message: "libarchive: \(message)") }
        return TarStreamError(code: .io, message: "cannot write the tarball: \(String(cString: strerror(code)))")
    }
}

/// A failure while writing the stream, with its ``PackError`` code and message.
package struct TarStreamError: Error {
    package var code: PackError.Code
    package var message: String

    package init(code: PackError.Code, message: String) {
        self.code = code
        self.message = message
    }

    /// An I/O failure of a system call that just set `errno`: `what: strerror(errno)`.
    package init(systemCall what: String) {
        self.init(code: .io, message: "\(what): \(String(cString: strerror(errno)))")
    }
}
