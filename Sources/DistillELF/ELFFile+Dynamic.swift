//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One entry of the dynamic section (`Elf64_Dyn`).
public struct DynamicEntry: Hashable, Sendable {
    /// What the entry says (`d_tag`).
    public var tag: DynamicTag
    /// A number, an address or a string table offset, by tag (`d_un`).
    public var value: UInt64
}

/// What a shared object or executable asks of the dynamic linker.
public struct DynamicInfo: Hashable, Sendable {
    /// The libraries it needs, in order (`DT_NEEDED`), e.g. `["libswiftCore.so", "libc.so.6"]`.
    public var needed: [String]
    /// Its own name (`DT_SONAME`), which SwiftPM does not set.
    public var soname: String?
    /// Directories searched after `LD_LIBRARY_PATH` (`DT_RUNPATH`, split at `:`), e.g.
    /// `["/opt/swift/usr/lib/swift/linux", "$ORIGIN"]`.
    public var runpath: [String]
    /// Directories searched before `LD_LIBRARY_PATH` (the older `DT_RPATH`, split at `:`).
    public var rpath: [String]

    public init(needed: [String] = [], soname: String? = nil, runpath: [String] = [], rpath: [String] = []) {
        self.needed = needed
        self.soname = soname
        self.runpath = runpath
        self.rpath = rpath
    }
}

extension ELFFile {
    /// The entries of the dynamic section up to `DT_NULL`, or an empty array if the file
    /// has no dynamic section (a relocatable object or a static executable).
    public func dynamicEntries() throws(ELFError) -> [DynamicEntry] {
        guard let range = try dynamicTableRange() else { return [] }
        var entries: [DynamicEntry] = []
        var at = range.lowerBound
        while at + 16 <= range.upperBound {
            let entry = DynamicEntry(
                tag: DynamicTag(rawValue: Int64(bitPattern: storage.u64(at))),
                value: storage.u64(at + 8)
            )
            if entry.tag == .null { break }
            entries.append(entry)
            at += 16
        }
        return entries
    }

    /// `DT_NEEDED`, `DT_SONAME`, `DT_RUNPATH` and `DT_RPATH`, or `nil` if the file has no
    /// dynamic section.
    public func dynamicInfo() throws(ELFError) -> DynamicInfo? {
        guard try dynamicTableRange() != nil else { return nil }
        let entries = try dynamicEntries()
        let strings = try dynamicStringTable(entries)
        func text(_ entry: DynamicEntry) throws(ELFError) -> String {
            guard entry.value < strings.count else {
                throw error(
                    .malformed,
                    "\(entry.tag) string offset \(entry.value) is outside the "
                        + "\(strings.count)-byte dynamic string table",
                    at: UInt64(strings.lowerBound)
                )
            }
            let start = strings.lowerBound + Int(entry.value)
            var end = start
            while end < strings.upperBound, storage.u8(end) != 0 { end += 1 }
            guard end < strings.upperBound else {
                throw error(
                    .truncated,
                    "\(entry.tag) string runs past the end of the dynamic string table",
                    at: UInt64(start)
                )
            }
            return String(decoding: storage.buffer(start..<end), as: UTF8.self)
        }
        var info = DynamicInfo()
        for entry in entries {
            switch entry.tag {
            case .needed: info.needed.append(try text(entry))
            case .sharedObjectName: info.soname = try text(entry)
            case .runpath:
                info.runpath += try text(entry).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            case .rpath:
                info.rpath += try text(entry).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            default: break
            }
        }
        return info
    }

    /// The file bytes of the dynamic table, from its section or else its segment.
    private func dynamicTableRange() throws(ELFError) -> Range<Int>? {
        if let section = sections.first(where: { $0.type == .dynamic }) {
            return section.fileRange
        }
        if let segment = segments.first(where: { $0.type == .dynamic }) {
            return Int(segment.offset)..<Int(segment.offset + segment.fileSize)  // checked when read
        }
        return nil
    }

    /// The file bytes of the dynamic string table: the dynamic section's linked section,
    /// else `DT_STRTAB`/`DT_STRSZ` mapped through the loadable segments.
    private func dynamicStringTable(_ entries: [DynamicEntry]) throws(ELFError) -> Range<Int> {
        if let section = sections.first(where: { $0.type == .dynamic }) {
            let strings = try self.section(at: Int(section.link), for: "dynamic section string table link")
            guard strings.type == .stringTable else {
                throw error(
                    .malformed,
                    "dynamic section links to '\(strings.name)', which is not a string table",
                    at: section.headerOffset + 40
                )
            }
            return strings.fileRange
        }
        guard let address = entries.first(where: { $0.tag == .stringTable })?.value,
            let size = entries.first(where: { $0.tag == .stringTableSize })?.value
        else {
            throw error(.malformed, "dynamic section has no DT_STRTAB and DT_STRSZ")
        }
        guard let offset = fileOffset(ofAddress: address, size: size) else {
            throw error(.malformed, "DT_STRTAB address 0x\(String(address, radix: 16)) is in no loadable segment")
        }
        return try Self.checkedRange(storage, name, offset: offset, size: size, "dynamic string table")
    }

    /// The file offset of `size` bytes at virtual `address`, if one loadable segment holds them.
    func fileOffset(ofAddress address: UInt64, size: UInt64) -> UInt64? {
        for segment in segments where segment.type == .load {
            guard address >= segment.virtualAddress else { continue }
            let delta = address - segment.virtualAddress
            let (end, overflow) = delta.addingReportingOverflow(size)
            if !overflow, end <= segment.fileSize { return segment.offset + delta }
        }
        return nil
    }
}
