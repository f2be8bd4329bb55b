//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillShims
import Glibc

/// Reads and extracts release tarballs (`.tar.gz`) without Foundation or libarchive, so the
/// runtime can link it: gzip through zlib (several members allowed, each member's CRC-32 and
/// length checked), tar in POSIX ustar and pax (`x`, `g`: `path`, `linkpath`, `size`,
/// `mtime`), GNU (`L`, `K` long names, base-256 numbers) and old v7 formats.
///
/// Extraction is all or nothing. A first pass reads the whole archive and refuses it, before
/// anything is written, if it is damaged (truncated, bad checksum or CRC, trailing garbage)
/// or unsafe: absolute paths, `..` components, symbolic links that are absolute or climb out
/// of the root (see ``ArchivePath``), hard links to anything but an earlier regular file,
/// devices, FIFOs, sparse files, duplicate paths, entries below a symbolic link or a file,
/// sizes or counts over ``ArchiveLimits``, or a layout the caller's ``Validator`` refuses.
/// A second pass extracts into a fresh directory next to the destination, checking that
/// the archive still reads exactly the same, and renames it into place only on success;
/// on any failure that directory is removed, so the destination's parent is as it was.
///
/// Permissions keep their `0o755` bits; write permission for group and others, set-user-ID,
/// set-group-ID and sticky bits are **stripped** (a release has no use for them, a hostile one
/// must not gain them, and the node refuses to load code that others could change).
/// Metadata is bounded too (``ArchiveLimits``): pax and GNU extension headers count toward
/// the limits, and a global pax header replaces the previous one.
/// Ownership is not restored: files belong to the user who extracts. Modification times are
/// restored. Every path is resolved through directory descriptors with `O_NOFOLLOW`.
public enum ReleaseArchive {
    /// A check of the complete, already validated entry list before anything is extracted,
    /// for the caller's layout rules (say, "must contain `releases/0.2.0/kv.rel`").
    public typealias Validator = ([ArchiveEntry]) throws(LayoutViolation) -> Void

    /// A validator that also gets the contents of one small file of the archive (`nil` if the
    /// archive has no such regular file), read during the validation pass.
    public typealias ContentValidator = (_ entries: [ArchiveEntry], _ file: [UInt8]?) throws(LayoutViolation) -> Void

    /// Reads and validates the whole archive at `path` and returns its entries in archive
    /// order (the root entry `./`, if any, is left out). Nothing is written.
    public static func list(_ path: String, limits: ArchiveLimits = .default) throws(ArchiveError) -> [ArchiveEntry] {
        do throws(Failure) {
            let fd = try openArchive(path)
            defer { close(fd) }
            return try scan(fd, limits: limits) { _, _ throws(Failure) in }
        } catch {
            throw error.error(archive: path)
        }
    }

    /// Extracts the archive at `path` so that it becomes the directory `destination`, which
    /// must not exist yet (its parent must). Returns the entries extracted.
    ///
    /// - Parameters:
    ///   - limits: bounds checked during validation.
    ///   - validate: called with every entry after validation and before extraction; what it
    ///     throws is reported as ``ArchiveError/Code/rejectedLayout``.
    @discardableResult
    public static func extract(
        _ path: String,
        into destination: String,
        limits: ArchiveLimits = .default,
        validate: Validator? = nil
    ) throws(ArchiveError) -> [ArchiveEntry] {
        try extract(path, into: destination, limits: limits, reading: nil) { entries, _ throws(LayoutViolation) in
            try validate?(entries)
        }
    }

    /// Extracts the archive at `path` as ``extract(_:into:limits:validate:)`` does, giving
    /// `validate` the contents of the regular file `file` (a normalised path, at most
    /// `maximumFileSize` bytes: a larger one is refused), so that the layout can be checked
    /// against what the archive says of itself (the applications a `.rel` names) before
    /// anything is written.
    @discardableResult
    public static func extract(
        _ path: String,
        into destination: String,
        limits: ArchiveLimits = .default,
        reading file: String?,
        maximumFileSize: Int64 = 1 << 20,
        validate: ContentValidator
    ) throws(ArchiveError) -> [ArchiveEntry] {
        do throws(Failure) {
            let (parent, name) = try split(destination)
            var info = stat()
            if lstat(destination, &info) == 0 {
                throw Failure(.destinationExists, "destination '\(destination)' exists already")
            } else if errno != ENOENT {
                throw Failure.system("cannot inspect destination '\(destination)'", errno: errno)
            }
            let fd = try openArchive(path)
            defer { close(fd) }
            var contents: [UInt8]?
            let entries = try scan(fd, limits: limits) { entry, reader throws(Failure) in
                guard entry.path == file, entry.kind == .regularFile else { return }
                guard entry.size <= maximumFileSize else {
                    throw Failure(.limitExceeded, entry: entry.path, "file is larger than \(maximumFileSize) bytes")
                }
                var bytes: [UInt8] = []
                try reader.readData { chunk throws(Failure) in bytes.append(contentsOf: chunk) }
                contents = bytes
            }
            do throws(LayoutViolation) {
                try validate(entries, contents)
            } catch {
                throw Failure(.rejectedLayout, entry: error.entry, error.message)
            }
            guard lseek(fd, 0, SEEK_SET) == 0 else { throw Failure.system("cannot rewind the archive", errno: errno) }
            var template = Array("\(parent)/.\(name).partial-XXXXXX".utf8CString)
            guard mkdtemp(&template) != nil else {
                throw Failure.system("cannot create a temporary directory in '\(parent)'", errno: errno)
            }
            let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            do throws(Failure) {
                try extract(fd, entries: entries, limits: limits, into: temporary)
                guard distill_rename_noreplace(AT_FDCWD, temporary, AT_FDCWD, destination) == 0 else {
                    if errno == EEXIST || errno == ENOTEMPTY {
                        throw Failure(.destinationExists, "destination '\(destination)' exists already")
                    }
                    throw Failure.system("cannot rename the extracted tree to '\(destination)'", errno: errno)
                }
            } catch {
                removeTree(at: temporary)
                throw error
            }
            return entries
        } catch {
            throw error.error(archive: path)
        }
    }

    /// A validator requiring each of `paths` (normalised relative paths) to be a regular file
    /// of the archive.
    public static func requiring(files paths: [String]) -> Validator {
        { entries throws(LayoutViolation) in
            var files = Set<String>()
            for entry in entries where entry.kind == .regularFile { files.insert(entry.path) }
            for path in paths where !files.contains(path) {
                throw LayoutViolation(entry: path, message: "required file is missing from the archive")
            }
        }
    }

    // MARK: - Passes

    private static func scan(
        _ fd: Int32,
        limits: ArchiveLimits,
        _ body: (ArchiveEntry, inout TarReader) throws(Failure) -> Void
    ) throws(Failure) -> [ArchiveEntry] {
        var reader = try TarReader(fd: fd, limits: limits)
        var validator = EntryValidator(limits: limits)
        var entries: [ArchiveEntry] = []
        while let header = try reader.next() {
            guard let entry = try validator.admit(header) else { continue }
            try body(entry, &reader)
            entries.append(entry)
        }
        return entries
    }

    private static func extract(
        _ fd: Int32,
        entries: [ArchiveEntry],
        limits: ArchiveLimits,
        into temporary: String
    ) throws(Failure) {
        let root = open(temporary, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { throw Failure.system("cannot open '\(temporary)'", errno: errno) }
        defer { close(root) }
        var extraction = Extraction(root: root)
        var index = 0
        let changed = Failure(.archiveChanged, "archive changed while it was being extracted")
        _ = try scan(fd, limits: limits) { entry, reader throws(Failure) in
            guard index < entries.count, entries[index] == entry else { throw changed }
            index += 1
            try extraction.create(entry, reader: &reader)
        }
        guard index == entries.count else { throw changed }
        try extraction.finish()
    }

    // MARK: - Helpers

    private static func openArchive(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.system("cannot open", errno: errno) }
        return fd
    }

    /// The parent directory and last component of `destination`.
    private static func split(_ destination: String) throws(Failure) -> (String, String) {
        var trimmed = Substring(destination)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let parent: String
        let name: String
        if let slash = trimmed.lastIndex(of: "/") {
            parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
            name = String(trimmed[trimmed.index(after: slash)...])
        } else {
            parent = "."
            name = String(trimmed)
        }
        guard !name.isEmpty, name != ".", name != "..", name != "/" else {
            throw Failure(.invalidPath, "destination '\(destination)' does not name a new directory")
        }
        return (parent, name)
    }
}

/// What a ``ReleaseArchive/Validator`` throws to refuse an archive's layout.
public struct LayoutViolation: Error, Hashable, Sendable {
    /// The entry concerned (present or missing), if one is.
    public var entry: String?
    /// Why the layout is refused, starting lowercase.
    public var message: String

    public init(entry: String? = nil, message: String) {
        self.entry = entry
        self.message = message
    }
}
