//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One tar header with its pax (`x`, `g`) and GNU (`L`, `K`) extensions applied: what the
/// archive says, before any validation.
struct RawHeader {
    /// The path as the archive spells it.
    var path: String
    /// The link target (`linkname` or pax `linkpath`), empty when there is none.
    var linkTarget: String
    /// The `typeflag` byte.
    var type: UInt8
    var size: Int64
    var mode: UInt32
    var modificationTime: Int64
}

/// Reads tar headers and data from a gzip stream: POSIX ustar and pax, GNU (long names
/// `L`/`K`, base-256 numbers) and old v7 headers.
///
/// Metadata is bounded (``ArchiveLimits``): each extension header's size, their number, and
/// the total of their data plus every entry's path and link target. A global pax header (`g`)
/// *replaces* the previous one rather than adding to it, so that what is kept between
/// entries is one header at most.
struct TarReader: ~Copyable {
    private var gzip: GzipInput
    private let block: UnsafeMutableRawBufferPointer
    private let limits: ArchiveLimits
    private var globalPax: [String: String] = [:]
    private var remaining: Int64 = 0
    private var padding = 0
    private var currentPath: String?
    private var extensionHeaders = 0
    private var metadata: Int64 = 0
    /// Most zero bytes accepted after the end-of-archive blocks (tar pads to its record
    /// size, 10 KiB by default; `tar -b 2048` makes 1 MiB records).
    static let maximumTrailingPadding = 1 << 20

    init(fd: Int32, limits: ArchiveLimits) throws(Failure) {
        self.limits = limits
        gzip = try GzipInput(fd: fd)
        block = .allocate(byteCount: 512, alignment: 16)
    }

    deinit { block.deallocate() }

    // MARK: - Headers

    /// The next entry's header, or nil after the end-of-archive blocks (then the rest of the
    /// gzip stream has been read and checked too). Any unread data of the previous entry is
    /// skipped first.
    mutating func next() throws(Failure) -> RawHeader? {
        try skipData()
        currentPath = nil
        var longPath: String?
        var longLink: String?
        var pax: [String: String] = [:]
        var sawPax = false
        var sawExtension = false
        while true {
            guard try readBlock() else {
                throw Failure(
                    .truncated,
                    sawExtension
                        ? "archive ends after an extended header"
                        : "archive ends without its end-of-archive blocks (truncated tar archive)"
                )
            }
            if isZeroBlock {
                if sawExtension { throw Failure(.malformedHeader, "extended header is not followed by an entry") }
                guard try readBlock() else {
                    throw Failure(.truncated, "archive ends after one end-of-archive block (truncated tar archive)")
                }
                if !isZeroBlock { throw Failure(.malformedHeader, "lone zero block inside the archive") }
                try finishStream()
                return nil
            }
            let raw = UnsafeRawBufferPointer(block)
            try checkChecksum(raw, name: Self.lossy(raw[0..<100]))
            let name = try headerName(raw)
            guard let size = Self.number(raw[124..<136]), size >= 0 else {
                throw Failure(.malformedHeader, entry: name, "header has an invalid size field")
            }
            // Every number field of every header, extension headers included, as GNU tar and
            // Python's tarfile check them: one they refuse would make them see another archive.
            for (field, what) in Self.numberFields where Self.number(raw[field]) == nil {
                throw Failure(.malformedHeader, entry: name, "header has an invalid \(what) field")
            }
            let type = raw[156]
            if [UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K")].contains(type) {
                try countExtensionHeader(size: size, entry: name)
            }
            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                let records = try Self.paxRecords(try readMetadata(size: size, entry: name), entry: name)
                if type == UInt8(ascii: "x") {
                    // Readers disagree on which of two headers wins (Python's tarfile takes
                    // the first, others the last): an archive that relies on it is refused.
                    if sawPax { throw Failure(.malformedHeader, entry: name, "two pax headers precede one entry") }
                    pax = records
                    sawPax = true
                    sawExtension = true
                } else {
                    if let key = ["path", "linkpath", "size"].first(where: { records[$0] != nil }) {
                        throw Failure(.malformedHeader, entry: name, "a global pax header sets '\(key)'")
                    }
                    globalPax = records
                }
                continue
            case UInt8(ascii: "L"):
                if longPath != nil { throw Failure(.malformedHeader, entry: name, "two long names precede one entry") }
                longPath = try Self.text(try readMetadata(size: size, entry: name), entry: name, what: "long name")
                sawExtension = true
                continue
            case UInt8(ascii: "K"):
                if longLink != nil {
                    throw Failure(.malformedHeader, entry: name, "two long link names precede one entry")
                }
                longLink = try Self.text(
                    try readMetadata(size: size, entry: name),
                    entry: name,
                    what: "long link name"
                )
                sawExtension = true
                continue
            default:
                break
            }
            var header = RawHeader(
                path: name,
                linkTarget: try Self.text(raw[157..<257], entry: name, what: "link name"),
                type: type,
                size: size,
                mode: 0,
                modificationTime: 0
            )
            guard let mode = Self.number(raw[100..<108]), (0...0o7777_7777).contains(mode) else {
                throw Failure(.malformedHeader, entry: name, "header has an invalid mode field")
            }
            header.mode = UInt32(mode)
            guard let mtime = Self.number(raw[136..<148]) else {
                throw Failure(.malformedHeader, entry: name, "header has an invalid modification time field")
            }
            header.modificationTime = mtime
            if (longPath != nil && pax["path"] != nil) || (longLink != nil && pax["linkpath"] != nil) {
                throw Failure(.malformedHeader, entry: name, "both a GNU long name and a pax header name the entry")
            }
            if let path = longPath { header.path = path }
            if let link = longLink { header.linkTarget = link }
            try apply(globalPax, to: &header)
            try apply(pax, to: &header)
            try countMetadata(Int64(header.path.utf8.count + header.linkTarget.utf8.count), entry: header.path)
            currentPath = header.path
            remaining = header.size
            padding = Int((512 - header.size % 512) % 512)
            return header
        }
    }

    private func apply(_ pax: [String: String], to header: inout RawHeader) throws(Failure) {
        for (key, value) in pax {
            switch key {
            case "path": header.path = value
            case "linkpath": header.linkTarget = value
            case "size":
                guard let size = Int64(value), size >= 0 else {
                    throw Failure(.malformedHeader, entry: header.path, "pax size '\(value)' is not a valid size")
                }
                header.size = size
            case "mtime":
                let whole = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
                guard let seconds = Int64(whole) else {
                    throw Failure(.malformedHeader, entry: header.path, "pax mtime '\(value)' is not a valid time")
                }
                header.modificationTime = seconds
            default:
                if key.hasPrefix("GNU.sparse.") {
                    throw Failure(.unsupportedEntryType, entry: header.path, "sparse files are not supported")
                }
            }
        }
    }

    /// The `name` field, prefixed with the ustar `prefix` field in POSIX ustar headers (GNU
    /// headers use that space for other fields).
    private func headerName(_ raw: UnsafeRawBufferPointer) throws(Failure) -> String {
        let name = try Self.text(raw[0..<100], entry: nil, what: "path")
        let isPOSIX = raw[257..<263].elementsEqual("ustar\0".utf8)
        guard isPOSIX else { return name }
        let prefix = try Self.text(raw[345..<500], entry: nil, what: "path")
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private func checkChecksum(_ raw: UnsafeRawBufferPointer, name: String) throws(Failure) {
        guard let stored = Self.number(raw[148..<156]) else {
            throw Failure(.malformedHeader, entry: name, "header has an invalid checksum field")
        }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for index in 0..<512 {
            let byte = (148..<156).contains(index) ? UInt8(ascii: " ") : raw[index]
            unsigned += Int64(byte)
            signed += Int64(Int8(bitPattern: byte))
        }
        guard stored == unsigned || stored == signed else {
            throw Failure(.malformedHeader, entry: name, "header checksum is wrong (corrupt tar header)")
        }
    }

    private var isZeroBlock: Bool {
        UnsafeRawBufferPointer(block).allSatisfy { $0 == 0 }
    }

    // MARK: - Data

    /// Streams the current entry's data to `body` in chunks, then skips its padding.
    mutating func readData(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        while remaining > 0 {
            if gzip.available.isEmpty {
                guard try gzip.refill() else {
                    throw Failure(.truncated, entry: currentPath, "archive ends inside the entry's data")
                }
            }
            let available = gzip.available
            let count = Int(min(Int64(available.count), remaining))
            try body(UnsafeRawBufferPointer(rebasing: available[..<count]))
            gzip.consume(count)
            remaining -= Int64(count)
        }
        try skip(padding)
        padding = 0
    }

    /// Skips what is left of the current entry's data.
    mutating func skipData() throws(Failure) {
        try readData { _ throws(Failure) in }
    }

    /// Counts one extension header of `size` bytes toward the limits, before its data is read.
    private mutating func countExtensionHeader(size: Int64, entry: String) throws(Failure) {
        extensionHeaders += 1
        guard extensionHeaders <= limits.maximumExtensionHeaderCount else {
            throw Failure(
                .limitExceeded,
                entry: entry,
                "archive has more than \(limits.maximumExtensionHeaderCount) extension headers"
            )
        }
        guard size <= limits.maximumExtensionHeaderSize else {
            throw Failure(
                .limitExceeded,
                entry: entry,
                "extended header of \(size) bytes is larger than \(limits.maximumExtensionHeaderSize) bytes"
            )
        }
        try countMetadata(size, entry: entry)
    }

    /// Adds `bytes` of metadata (extension header data, paths, link targets) to the total.
    private mutating func countMetadata(_ bytes: Int64, entry: String) throws(Failure) {
        metadata += bytes
        guard metadata <= limits.maximumMetadataSize else {
            throw Failure(
                .limitExceeded,
                entry: entry,
                "archive metadata (extension headers, paths, link targets) exceeds the limit of "
                    + "\(limits.maximumMetadataSize) bytes in total"
            )
        }
    }

    private mutating func readMetadata(size: Int64, entry: String) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        currentPath = entry
        remaining = size
        padding = Int((512 - size % 512) % 512)
        try readData { chunk throws(Failure) in bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// Reads one 512-byte block; false if the stream ended cleanly before it.
    private mutating func readBlock() throws(Failure) -> Bool {
        var filled = 0
        while filled < 512 {
            if gzip.available.isEmpty {
                guard try gzip.refill() else {
                    if filled == 0 { return false }
                    throw Failure(.truncated, "archive ends inside a header block (truncated tar archive)")
                }
            }
            let available = gzip.available
            let count = min(available.count, 512 - filled)
            UnsafeMutableRawBufferPointer(rebasing: block[filled..<(filled + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: available[..<count]))
            gzip.consume(count)
            filled += count
        }
        return true
    }

    private mutating func skip(_ count: Int) throws(Failure) {
        var left = count
        while left > 0 {
            if gzip.available.isEmpty {
                guard try gzip.refill() else {
                    throw Failure(.truncated, entry: currentPath, "archive ends inside the entry's padding")
                }
            }
            let step = min(gzip.available.count, left)
            gzip.consume(step)
            left -= step
        }
    }

    /// After the end-of-archive blocks: only zero padding may follow, then the gzip stream
    /// must end cleanly (its CRC and length are checked on the way).
    private mutating func finishStream() throws(Failure) {
        var padding = 0
        while true {
            if gzip.available.isEmpty {
                guard try gzip.refill() else { return }
            }
            let available = gzip.available
            guard available.allSatisfy({ $0 == 0 }) else {
                throw Failure(.trailingData, "non-zero data follows the end-of-archive blocks")
            }
            padding += available.count
            gzip.consume(available.count)
            guard padding <= Self.maximumTrailingPadding else {
                throw Failure(
                    .trailingData,
                    "more than \(Self.maximumTrailingPadding) bytes of padding follow the end-of-archive blocks"
                )
            }
        }
    }

    // MARK: - Fields

    /// The number fields besides the size and the checksum, with their names for messages.
    static let numberFields: [(Range<Int>, String)] = [
        (100..<108, "mode"), (108..<116, "owner"), (116..<124, "group"), (136..<148, "modification time"),
        (329..<337, "device major"), (337..<345, "device minor"),
    ]

    /// A NUL-terminated field as text; a path that is not UTF-8 is refused.
    static func text(_ field: some Collection<UInt8>, entry: String?, what: String) throws(Failure) -> String {
        let bytes = field.prefix { $0 != 0 }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(.invalidPath, entry: entry ?? lossy(field), "\(what) is not valid UTF-8")
        }
        return text
    }

    /// A NUL-terminated field as text for messages, invalid UTF-8 shown as U+FFFD.
    static func lossy(_ field: some Collection<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal field (leading spaces, ended by a space or NUL, then only spaces up to a NUL;
    /// empty means 0), or GNU's base-256 two's complement form (first byte 0x80 or 0xFF).
    /// Anything else is refused, as GNU tar and Python's tarfile refuse it: a reader that
    /// took more would extract what other tools do not see.
    static func number(_ field: Slice<UnsafeRawBufferPointer>) -> Int64? {
        guard let first = field.first else { return nil }
        if first == 0x80 || first == 0xFF {
            var value = Int64(Int8(bitPattern: (first & 0x7F) | ((first & 0x40) << 1)))
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8, value >= Int64.min >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var index = field.startIndex
        while index < field.endIndex, field[index] == UInt8(ascii: " ") { index += 1 }
        while index < field.endIndex {
            let byte = field[index]
            if byte == 0 || byte == UInt8(ascii: " ") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7"), value <= Int64.max >> 3 else { return nil }
            value = value << 3 | Int64(byte - UInt8(ascii: "0"))
            index += 1
        }
        while index < field.endIndex, field[index] == UInt8(ascii: " ") { index += 1 }
        guard index == field.endIndex || field[index] == 0 else { return nil }
        return value
    }

    /// Parses pax records `LENGTH KEY=VALUE\n`; an empty value deletes the key (kept as
    /// absent here, since global values are merged before local ones).
    static func paxRecords(_ bytes: [UInt8], entry: String) throws(Failure) -> [String: String] {
        var records: [String: String] = [:]
        var offset = 0
        while offset < bytes.count {
            if bytes[offset] == 0 { break }  // some writers pad the record block with NULs
            var length = 0
            var index = offset
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                length = length * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                guard length <= bytes.count else { break }
                index += 1
            }
            let recordEnd = offset + length
            guard index > offset, index < bytes.count, bytes[index] == UInt8(ascii: " "),
                length > index - offset + 1, recordEnd <= bytes.count, bytes[recordEnd - 1] == UInt8(ascii: "\n")
            else {
                throw Failure(.malformedHeader, entry: entry, "pax extended header has a malformed record")
            }
            let body = bytes[(index + 1)..<(recordEnd - 1)]
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")), equals > body.startIndex else {
                throw Failure(.malformedHeader, entry: entry, "pax extended header has a record without a key")
            }
            guard let key = String(validating: body[..<equals], as: UTF8.self),
                let value = String(validating: body[(equals + 1)...], as: UTF8.self)
            else {
                throw Failure(.invalidPath, entry: entry, "pax extended header has a record that is not UTF-8")
            }
            if value.isEmpty { records.removeValue(forKey: key) } else { records[key] = value }
            offset = recordEnd
        }
        return records
    }
}
