//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A 64-bit little-endian ELF file: a relocatable object (`.o`), a shared object (`.so`)
/// or an executable.
///
/// Opening a file reads and checks its header, its section headers (with their names) and
/// its program headers. Symbol tables, relocations, the dynamic section and notes are
/// read on demand by the methods in the extensions. Every read is bounds-checked: a
/// truncated or corrupted file throws an ``ELFError`` that names the file, the problem and
/// the offset; it never traps.
///
/// The bytes are memory-mapped (``init(path:)``, ``withFile(at:_:)``) or copied
/// (``init(bytes:name:)``), and live as long as any copy of the value. `ELFFile` is
/// immutable and `Sendable`. As with any memory mapping, a file truncated by another
/// process while it is mapped makes reads past the new end fault (`SIGBUS`): read build
/// outputs after the build, not during it.
public struct ELFFile: Sendable {
    /// The file's path, or the name given to ``init(bytes:name:)``; errors quote it.
    public let name: String
    /// The file header.
    public let header: ELFHeader
    /// Every section header, in file order; index 0 is the null section.
    public let sections: [ELFSection]
    /// Every program header (segment), in file order; empty for relocatable objects.
    public let segments: [ELFSegment]

    let storage: ELFStorage

    /// Reads `bytes` (copied) as an ELF file; `name` is what errors call it.
    public init(bytes: [UInt8], name: String = "<memory>") throws(ELFError) {
        try self.init(storage: ELFStorage(copying: bytes), name: name)
    }

    /// Maps the file at `path` into memory and reads it. The descriptor is closed before
    /// this returns; the mapping is released with the last copy of the value.
    public init(path: String) throws(ELFError) {
        try self.init(storage: ELFStorage(mapping: path), name: path)
    }

    /// Opens and reads the file at `path` and passes it to `body`.
    ///
    /// The file's descriptor is closed before `body` runs; prefer this scoped form when the
    /// file's values are not needed after `body` returns.
    public static func withFile<R>(at path: String, _ body: (ELFFile) throws -> R) throws -> R {
        try body(ELFFile(path: path))
    }

    /// The size of the file in bytes.
    public var byteCount: Int { storage.count }

    /// The first section called `name`, if any.
    public func section(named name: String) -> ELFSection? { sections.first { $0.name == name } }

    /// The section at `index`, or an error naming the file and `what` refers to it.
    func section(at index: Int, for what: @autoclosure () -> String) throws(ELFError) -> ELFSection {
        guard index > 0, index < sections.count else {
            throw error(.malformed, "\(what()) refers to section \(index), but the file has \(sections.count) sections")
        }
        return sections[index]
    }

    /// A copy of a section's bytes (empty for `SHT_NOBITS` and `SHT_NULL` sections).
    public func contents(of section: ELFSection) -> [UInt8] {
        guard section.hasContents else { return [] }
        return Array(storage.buffer(section.fileRange))
    }

    /// Calls `body` with a section's bytes without copying them.
    public func withContents<R, E: Error>(
        of section: ELFSection,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        guard section.hasContents else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(storage.buffer(section.fileRange))
    }
}

// MARK: - Reading the headers

extension ELFFile {
    init(storage: ELFStorage, name: String) throws(ELFError) {
        self.storage = storage
        self.name = name
        let header = try Self.readHeader(storage, name)
        self.header = header
        self.segments = try Self.readSegments(storage, name, header)
        self.sections = try Self.readSections(storage, name, header)
    }

    private static func readHeader(_ s: ELFStorage, _ name: String) throws(ELFError) -> ELFHeader {
        guard s.count >= 4, s.u8(0) == 0x7f, s.u8(1) == 0x45, s.u8(2) == 0x4c, s.u8(3) == 0x46 else {
            throw ELFError(code: .notELF, file: name, message: "not an ELF file (no \\x7fELF magic number)", offset: 0)
        }
        guard s.count >= 64 else {
            throw ELFError(
                code: .truncated,
                file: name,
                message: "file header needs 64 bytes, but the file has \(s.count)",
                offset: 0
            )
        }
        guard s.u8(4) == 2 else {
            throw ELFError(
                code: .unsupported,
                file: name,
                message: "ELF class \(s.u8(4)) is not ELFCLASS64 (2)",
                offset: 4
            )
        }
        guard s.u8(5) == 1 else {
            throw ELFError(
                code: .unsupported,
                file: name,
                message: "data encoding \(s.u8(5)) is not little-endian ELFDATA2LSB (1)",
                offset: 5
            )
        }
        guard s.u8(6) == 1 else {
            throw ELFError(code: .unsupported, file: name, message: "ELF version \(s.u8(6)) is not 1", offset: 6)
        }
        return ELFHeader(
            osABI: OSABI(rawValue: s.u8(7)),
            abiVersion: s.u8(8),
            type: FileType(rawValue: s.u16(16)),
            machine: Machine(rawValue: s.u16(18)),
            entry: s.u64(24),
            programHeaderOffset: s.u64(32),
            sectionHeaderOffset: s.u64(40),
            flags: s.u32(48),
            programHeaderEntrySize: s.u16(54),
            programHeaderCount: s.u16(56),
            sectionHeaderEntrySize: s.u16(58),
            sectionHeaderCount: s.u16(60),
            sectionNameTableIndex: s.u16(62)
        )
    }

    private static func readSegments(
        _ s: ELFStorage,
        _ name: String,
        _ header: ELFHeader
    ) throws(ELFError) -> [ELFSegment] {
        let count = Int(header.programHeaderCount)
        guard count > 0 else { return [] }
        guard header.programHeaderEntrySize == 56 else {
            throw ELFError(
                code: .malformed,
                file: name,
                message: "program header entry size is \(header.programHeaderEntrySize), expected 56",
                offset: 54
            )
        }
        let table = try checkedRange(
            s,
            name,
            offset: header.programHeaderOffset,
            size: UInt64(count) * 56,
            "program header table (\(count) entries of 56 bytes)"
        )
        var segments: [ELFSegment] = []
        segments.reserveCapacity(count)
        for index in 0..<count {
            let at = table.lowerBound + index * 56
            let segment = ELFSegment(
                index: index,
                type: SegmentType(rawValue: s.u32(at)),
                flags: SegmentFlags(rawValue: s.u32(at + 4)),
                offset: s.u64(at + 8),
                virtualAddress: s.u64(at + 16),
                physicalAddress: s.u64(at + 24),
                fileSize: s.u64(at + 32),
                memorySize: s.u64(at + 40),
                alignment: s.u64(at + 48)
            )
            _ = try checkedRange(
                s,
                name,
                offset: segment.offset,
                size: segment.fileSize,
                "segment \(index) (\(segment.type), 0x\(String(segment.fileSize, radix: 16)) bytes)"
            )
            segments.append(segment)
        }
        return segments
    }

    private static func readSections(
        _ s: ELFStorage,
        _ name: String,
        _ header: ELFHeader
    ) throws(ELFError) -> [ELFSection] {
        guard header.sectionHeaderOffset != 0 else { return [] }
        guard header.sectionHeaderEntrySize == 64 else {
            throw ELFError(
                code: .malformed,
                file: name,
                message: "section header entry size is \(header.sectionHeaderEntrySize), expected 64",
                offset: 58
            )
        }
        // Section 0 holds the real count and name table index when they do not fit 16 bits.
        let first = try checkedRange(s, name, offset: header.sectionHeaderOffset, size: 64, "section header 0")
        var count = UInt64(header.sectionHeaderCount)
        if count == 0 { count = s.u64(first.lowerBound + 32) }
        var nameTableIndex = UInt64(header.sectionNameTableIndex)
        if nameTableIndex == 0xffff { nameTableIndex = UInt64(s.u32(first.lowerBound + 40)) }
        guard count > 0 else { return [] }
        guard count <= UInt64(s.count) / 64 else {
            throw ELFError(
                code: .truncated,
                file: name,
                message: "section header table claims \(count) entries, more than the file can hold",
                offset: header.sectionHeaderOffset
            )
        }
        let table = try checkedRange(
            s,
            name,
            offset: header.sectionHeaderOffset,
            size: count * 64,
            "section header table (\(count) entries of 64 bytes)"
        )
        var sections: [ELFSection] = []
        sections.reserveCapacity(Int(count))
        var nameOffsets: [UInt32] = []
        nameOffsets.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let at = table.lowerBound + index * 64
            var section = ELFSection(
                index: index,
                name: "",
                type: SectionType(rawValue: s.u32(at + 4)),
                flags: SectionFlags(rawValue: s.u64(at + 8)),
                address: s.u64(at + 16),
                offset: s.u64(at + 24),
                size: s.u64(at + 32),
                link: s.u32(at + 40),
                info: s.u32(at + 44),
                alignment: s.u64(at + 48),
                entrySize: s.u64(at + 56),
                headerOffset: UInt64(at)
            )
            if section.hasContents {
                let range = try checkedRange(
                    s,
                    name,
                    offset: section.offset,
                    size: section.size,
                    "section \(index) (\(section.type), 0x\(String(section.size, radix: 16)) bytes)"
                )
                section.fileRange = range
            }
            sections.append(section)
            nameOffsets.append(s.u32(at))
        }
        guard nameTableIndex != 0 else { return sections }
        guard nameTableIndex < count, sections[Int(nameTableIndex)].type == .stringTable else {
            throw ELFError(
                code: .malformed,
                file: name,
                message: "section name table index \(nameTableIndex) is not a string table section",
                offset: 62
            )
        }
        let names = sections[Int(nameTableIndex)]
        for index in sections.indices {
            sections[index].name = try string(
                s,
                name,
                in: names,
                at: nameOffsets[index],
                "name of section \(index)"
            )
        }
        return sections
    }
}

// MARK: - Checked access, shared by the extensions

extension ELFFile {
    func error(_ code: ELFError.Code, _ message: String, at offset: UInt64? = nil) -> ELFError {
        ELFError(code: code, file: name, message: message, offset: offset)
    }

    static func checkedRange(
        _ s: ELFStorage,
        _ name: String,
        offset: UInt64,
        size: UInt64,
        _ what: @autoclosure () -> String
    ) throws(ELFError) -> Range<Int> {
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard !overflow, end <= UInt64(s.count) else {
            throw ELFError(
                code: .truncated,
                file: name,
                message: "\(what()) runs past the end of the file (\(s.count) bytes)",
                offset: offset
            )
        }
        return Int(offset)..<Int(end)
    }

    /// The NUL-terminated string at `offset` in the string table `table`.
    static func string(
        _ s: ELFStorage,
        _ name: String,
        in table: ELFSection,
        at offset: UInt32,
        _ what: @autoclosure () -> String
    ) throws(ELFError) -> String {
        guard table.hasContents, UInt64(offset) < table.size else {
            throw ELFError(
                code: .malformed,
                file: name,
                message:
                    "\(what()) is at offset \(offset), outside the \(table.size)-byte string table '\(table.name)'",
                offset: table.offset
            )
        }
        let start = table.fileRange.lowerBound + Int(offset)
        let length = table.fileRange.upperBound - start
        guard let nul = memchr(s.base + start, 0, length) else {
            throw ELFError(
                code: .truncated,
                file: name,
                message: "\(what()) runs past the end of string table '\(table.name)' without a NUL",
                offset: UInt64(start)
            )
        }
        let count = UnsafeRawPointer(nul) - (s.base + start)
        return String(decoding: UnsafeRawBufferPointer(start: s.base + start, count: count), as: UTF8.self)
    }

    func string(in table: ELFSection, at offset: UInt32, _ what: @autoclosure () -> String) throws(ELFError) -> String {
        try Self.string(storage, name, in: table, at: offset, what())
    }

    /// The entry range of a table section, checked against `entrySize`.
    func entries(of section: ELFSection, entrySize: Int, _ what: String) throws(ELFError) -> Range<Int> {
        guard section.entrySize == UInt64(entrySize) else {
            throw error(
                .malformed,
                "\(what) '\(section.name)' has entry size \(section.entrySize), expected \(entrySize)",
                at: section.headerOffset + 56
            )
        }
        guard section.size % UInt64(entrySize) == 0 else {
            throw error(
                .malformed,
                "\(what) '\(section.name)' is \(section.size) bytes, not a multiple of \(entrySize)",
                at: section.headerOffset + 32
            )
        }
        return 0..<Int(section.size) / entrySize
    }
}
