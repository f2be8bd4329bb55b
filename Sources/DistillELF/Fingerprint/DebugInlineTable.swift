//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where code was inlined, and from which source line, from the DWARF
/// `DW_TAG_inlined_subroutine` entries of `.debug_info` (versions 4 and 5).
///
/// A `#line` default argument (swift-log's `line: UInt = #line`, `fatalError`'s) evaluates
/// to the line of the call; when the callee is inlined, that line is the inlined
/// subroutine's `DW_AT_call_line`, while the line table attributes the instructions to the
/// callee's own lines. Fingerprinting asks this table for the call lines around an
/// instruction. Only callees with a parameter named `line` are recorded: the call line of
/// any other inlined function is not an argument anywhere, and matching it would only
/// make coincidences with constants.
struct DebugInlineTable: Sendable {
    struct Range: Sendable {
        var start: UInt64
        var end: UInt64
        var callLine: UInt32
        var depth: Int
    }

    /// Ranges by section index, sorted by start.
    private(set) var ranges: [Int: [Range]] = [:]

    /// The call lines of the inlined subroutines covering `offset`, outermost first.
    func callLines(section: Int, offset: UInt64) -> [UInt32] {
        guard let list = ranges[section] else { return [] }
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].start <= offset { low = middle + 1 } else { high = middle }
        }
        var covering: [Range] = []
        var index = low - 1
        while index >= 0 {  // ranges nest, so walk back until a whole function's worth is seen
            let range = list[index]
            if range.start <= offset && offset < range.end { covering.append(range) }
            if low - index > 256 { break }
            index -= 1
        }
        return covering.sorted { $0.depth < $1.depth }.map(\.callLine)
    }

    init() {}

    init(file: ELFFile, symbols: [ELFSymbol], relocations: [ELFRelocationTable]) throws(ELFError) {
        guard let info = file.section(named: ".debug_info"), let abbreviations = file.section(named: ".debug_abbrev"),
            info.hasContents, abbreviations.hasContents,
            !info.flags.contains(.compressed), !abbreviations.flags.contains(.compressed)
        else { return }
        let context = Context(file: file, symbols: symbols, relocations: relocations)
        var found = Found()
        var reader = DebugLineTable.Reader(file: file, range: info.fileRange)
        while !reader.atEnd {
            try Self.readUnit(&reader, info: info, abbreviations: abbreviations, context: context, found: &found)
        }
        var collected: [Int: [Range]] = [:]
        for (origin, section, range) in found.inlined where found.takesLine.contains(origin) {
            collected[section, default: []].append(range)
        }
        for (section, list) in collected { ranges[section] = list.sorted { $0.start < $1.start } }
    }

    // MARK: - Addresses in relocatable and linked files

    /// Resolves an address field of a debug section to (section index, offset in section).
    struct Context {
        let file: ELFFile
        let symbols: [ELFSymbol]
        /// Per debug section index: field offset → (section, base).
        let relocated: [Int: [UInt64: (Int, UInt64)]]
        let allocated: [ELFSection]
        /// The debug sections the entries point into, looked up once.
        let debugSections: [String: ELFSection]

        init(file: ELFFile, symbols: [ELFSymbol], relocations: [ELFRelocationTable]) {
            self.file = file
            self.symbols = symbols
            var relocated: [Int: [UInt64: (Int, UInt64)]] = [:]
            if file.header.type == .relocatable {
                for table in relocations {
                    guard let target = table.targetSectionIndex, !file.sections[target].flags.contains(.alloc)
                    else { continue }
                    var map: [UInt64: (Int, UInt64)] = [:]
                    for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < symbols.count {
                        let symbol = symbols[entry.symbolIndex]
                        guard symbol.section.isSection else { continue }
                        map[entry.offset] = (
                            Int(symbol.section.rawValue), symbol.value &+ UInt64(bitPattern: entry.addend)
                        )
                    }
                    relocated[target] = map
                }
            }
            self.relocated = relocated
            allocated = file.sections.filter { $0.flags.contains(.alloc) && $0.size > 0 }
            let wanted: Set<String> = [
                ".debug_str", ".debug_line_str", ".debug_str_offsets", ".debug_addr", ".debug_ranges",
                ".debug_rnglists",
            ]
            var debugSections: [String: ELFSection] = [:]
            for section in file.sections where wanted.contains(section.name) && debugSections[section.name] == nil {
                debugSections[section.name] = section
            }
            self.debugSections = debugSections
        }

        /// The offset into another debug section that a 4- or 8-byte offset field holds: in a
        /// relocatable object the relocation's addend says it.
        func offset(section: Int, field: UInt64, value: UInt64) -> UInt64 {
            guard file.header.type == .relocatable, let (_, base) = relocated[section]?[field] else { return value }
            return base &+ value
        }

        /// Whether a relocation patches the field at `offset` of debug section `section`.
        func isRelocated(section: Int, offset: UInt64) -> Bool { relocated[section]?[offset] != nil }

        /// Whether the string at `offset` in the string section `table` is `line`.
        func isLine(_ table: String, at offset: UInt64) -> Bool {
            guard let strings = debugSections[table], strings.hasContents, offset &+ 5 <= strings.size else {
                return false
            }
            let at = strings.fileRange.lowerBound + Int(offset)
            return file.storage.u32(at) == 0x656e_696c && file.storage.u8(at + 4) == 0  // "line\0"
        }

        /// The place an address field at `offset` in debug section `section` holds `value`.
        func place(section: Int, offset: UInt64, value: UInt64) -> (Int, UInt64)? {
            if file.header.type == .relocatable {
                guard let (target, base) = relocated[section]?[offset] else { return nil }
                return (target, base &+ value)
            }
            guard let owner = allocated.first(where: { $0.address <= value && value < $0.address + $0.size })
            else { return nil }
            return (owner.index, value - owner.address)
        }
    }

    /// What the units yield: inlined ranges with their origin's `.debug_info` offset, and the
    /// offsets of the subprograms that have a parameter named `line`.
    struct Found {
        var inlined: [(origin: UInt64, section: Int, range: Range)] = []
        var takesLine = Set<UInt64>()
    }

    // MARK: - One compile unit

    private struct Abbreviation {
        var tag: UInt64
        var hasChildren: Bool
        var attributes: [(name: UInt64, form: UInt64, implicit: Int64)]
    }

    private enum AddressValue {
        case direct(section: Int, offset: UInt64, value: UInt64)  // DW_FORM_addr: relocated at that place
        case indexed(UInt64)  // DW_FORM_addrx*
    }

    private static func readUnit(
        _ reader: inout DebugLineTable.Reader,
        info: ELFSection,
        abbreviations: ELFSection,
        context: Context,
        found: inout Found
    ) throws(ELFError) {
        let file = context.file
        let unitOffset = UInt64(reader.position - info.fileRange.lowerBound)
        var length = UInt64(try reader.u32())
        var offsetSize = 4
        if length == 0xffff_ffff {
            length = try reader.u64()
            offsetSize = 8
        }
        let unitEnd = try reader.limit(length, "compile unit")
        defer { reader.position = unitEnd }
        let version = try reader.u16()
        var addressSize = 8
        var abbreviationOffset: UInt64
        if version >= 5 {
            let unitType = try reader.u8()
            addressSize = Int(try reader.u8())
            abbreviationOffset = offsetSize == 8 ? try reader.u64() : UInt64(try reader.u32())
            if unitType == 4 || unitType == 5 { _ = try reader.u64() }  // skeleton, split: unit ID
            guard unitType == 1 || unitType == 3 else { return }  // compile and partial units only
        } else if version >= 2 {
            abbreviationOffset = offsetSize == 8 ? try reader.u64() : UInt64(try reader.u32())
            addressSize = Int(try reader.u8())
        } else {
            return
        }
        guard addressSize == 8 else { return }
        let table = try readAbbreviations(file, abbreviations, at: abbreviationOffset)
        let infoStart = info.fileRange.lowerBound
        var addressBase: UInt64?
        var rangeListsBase: UInt64?
        var stringOffsetsBase: UInt64?
        var depth = 0
        var isUnitEntry = true
        var parents: [(tag: UInt64, offset: UInt64)] = []  // the entries whose children are being read
        while reader.position < unitEnd {
            let entryOffset = UInt64(reader.position - infoStart)
            let code = try reader.uleb()
            if code == 0 {
                depth -= 1
                if depth < 0 { break }
                parents.removeLast()
                continue
            }
            guard let abbreviation = table[code] else {
                throw file.error(
                    .malformed,
                    "DWARF entry uses abbreviation \(code), which .debug_abbrev does not define",
                    at: UInt64(reader.position)
                )
            }
            var lowPC: AddressValue?
            var highPC: UInt64?
            var ranges: (value: UInt64, isIndex: Bool)?
            var callLine: UInt64?
            var origin: UInt64?
            var isNamedLine = false
            for attribute in abbreviation.attributes {
                let fieldOffset = UInt64(reader.position - infoStart)
                if attribute.name == 0x03 && attribute.form == 0x08 {  // DW_AT_name, inline string
                    let start = reader.position
                    while try reader.u8() != 0 {}
                    isNamedLine = reader.position - start == 5 && file.storage.u32(start) == 0x656e_696c  // "line"
                    continue
                }
                var value =
                    attribute.form == 0x21
                    ? UInt64(bitPattern: attribute.implicit)
                    : try readForm(&reader, attribute.form, offsetSize: offsetSize, version: version)
                if attribute.form == 0x17 {  // sec_offset: relocated in an object file
                    value = context.offset(section: info.index, field: fieldOffset, value: value)
                }
                switch (attribute.name, attribute.form) {
                case (0x11, 0x01): lowPC = .direct(section: info.index, offset: fieldOffset, value: value)
                case (0x11, 0x1b), (0x11, 0x29...0x2c): lowPC = .indexed(value)
                case (0x12, 0x01): break  // an absolute high_pc: LLVM emits lengths; not supported
                case (0x12, _): highPC = value
                case (0x55, 0x23): ranges = (value, true)
                case (0x55, _): ranges = (value, false)
                case (0x59, _): callLine = value
                case (0x31, 0x10):  // DW_AT_abstract_origin, ref_addr: relocated in an object file
                    origin = context.offset(section: info.index, field: fieldOffset, value: value)
                case (0x31, _): origin = unitOffset &+ value  // unit-relative reference
                case (0x03, 0x0e), (0x03, 0x1f):  // DW_AT_name, strp / line_strp
                    let table = attribute.form == 0x0e ? ".debug_str" : ".debug_line_str"
                    isNamedLine = context.isLine(
                        table,
                        at: context.offset(section: info.index, field: fieldOffset, value: value)
                    )
                case (0x03, 0x1a), (0x03, 0x25...0x28):  // DW_AT_name, strx
                    if let base = stringOffsetsBase, let offsets = context.debugSections[".debug_str_offsets"] {
                        let field = base &+ value &* UInt64(offsetSize)
                        if field &+ UInt64(offsetSize) <= offsets.size {
                            let at = offsets.fileRange.lowerBound + Int(field)
                            let raw = offsetSize == 8 ? file.storage.u64(at) : UInt64(file.storage.u32(at))
                            isNamedLine = context.isLine(
                                ".debug_str",
                                at: context.offset(section: offsets.index, field: field, value: raw)
                            )
                        }
                    }
                case (0x72, _): if isUnitEntry { stringOffsetsBase = value }  // DW_AT_str_offsets_base
                case (0x73, _): if isUnitEntry { addressBase = value }  // DW_AT_addr_base
                case (0x74, _): if isUnitEntry { rangeListsBase = value }  // DW_AT_rnglists_base
                default: break
                }
            }
            isUnitEntry = false
            // A parameter named `line` marks its function (DW_TAG_formal_parameter in DW_TAG_subprogram).
            if abbreviation.tag == 0x05, isNamedLine, let parent = parents.last, parent.tag == 0x2e {
                found.takesLine.insert(parent.offset)
            }
            if abbreviation.tag == 0x1d, let callLine, let origin {  // DW_TAG_inlined_subroutine
                let line = UInt32(clamping: callLine)
                let entryDepth = depth
                func resolve(_ address: AddressValue) -> (Int, UInt64)? {
                    switch address {
                    case .direct(let section, let offset, let value):
                        return context.place(section: section, offset: offset, value: value)
                    case .indexed(let index):
                        guard let base = addressBase, let addresses = context.debugSections[".debug_addr"] else {
                            return nil
                        }
                        let offset = base &+ index &* 8
                        guard offset &+ 8 <= addresses.size else { return nil }
                        let value = file.storage.u64(addresses.fileRange.lowerBound + Int(offset))
                        return context.place(section: addresses.index, offset: offset, value: value)
                    }
                }
                if let lowPC, let highPC, let (section, start) = resolve(lowPC) {
                    found.inlined.append(
                        (origin, section, Range(start: start, end: start &+ highPC, callLine: line, depth: entryDepth))
                    )
                } else if let ranges {
                    for (section, range) in try rangeList(
                        ranges,
                        version: version,
                        base: rangeListsBase,
                        resolve: resolve,
                        context: context
                    ) {
                        found.inlined.append(
                            (
                                origin, section,
                                Range(start: range.lowerBound, end: range.upperBound, callLine: line, depth: entryDepth)
                            )
                        )
                    }
                }
            }
            if abbreviation.hasChildren {
                depth += 1
                parents.append((abbreviation.tag, entryOffset))
            }
        }
    }

    /// The address ranges of a `DW_AT_ranges` list (`.debug_ranges` in version 4,
    /// `.debug_rnglists` in version 5).
    private static func rangeList(
        _ ranges: (value: UInt64, isIndex: Bool),
        version: UInt16,
        base: UInt64?,
        resolve: (AddressValue) -> (Int, UInt64)?,
        context: Context
    ) throws(ELFError) -> [(Int, Swift.Range<UInt64>)] {
        let file = context.file
        var result: [(Int, Swift.Range<UInt64>)] = []
        if version < 5 {
            guard let section = context.debugSections[".debug_ranges"], section.hasContents else { return [] }
            var offset = ranges.value
            while offset &+ 16 <= section.size {
                let at = section.fileRange.lowerBound + Int(offset)
                let begin = file.storage.u64(at)
                let end = file.storage.u64(at + 8)
                // The end-of-list entry is (0, 0); in a relocatable object relocated
                // entries read as zeros too, so only an unrelocated pair ends the list.
                if begin == 0 && end == 0 && !context.isRelocated(section: section.index, offset: offset) { break }
                if begin != .max,
                    let (start, startOffset) = context.place(section: section.index, offset: offset, value: begin),
                    let (_, endOffset) = context.place(section: section.index, offset: offset + 8, value: end),
                    endOffset >= startOffset
                {
                    result.append((start, startOffset..<endOffset))
                }
                offset += 16
            }
            return result
        }
        guard let section = context.debugSections[".debug_rnglists"], section.hasContents else { return [] }
        var offset = ranges.value
        if ranges.isIndex {
            guard let base else { return [] }
            let entry = base &+ ranges.value &* 4
            guard entry &+ 4 <= section.size else { return [] }
            offset = base &+ UInt64(file.storage.u32(section.fileRange.lowerBound + Int(entry)))
        }
        guard offset < section.size else { return [] }
        var reader = DebugLineTable.Reader(file: file, range: section.fileRange)
        reader.position = section.fileRange.lowerBound + Int(offset)
        var baseAddress: (Int, UInt64)?
        func place(_ at: Int) -> UInt64 { UInt64(at - section.fileRange.lowerBound) }
        while !reader.atEnd {
            switch try reader.u8() {
            case 0: return result  // DW_RLE_end_of_list
            case 1: baseAddress = resolve(.indexed(try reader.uleb()))  // base_addressx
            case 2:  // startx_endx
                let start = resolve(.indexed(try reader.uleb()))
                let end = resolve(.indexed(try reader.uleb()))
                if let start, let end, end.1 >= start.1 { result.append((start.0, start.1..<end.1)) }
            case 3:  // startx_length
                let start = resolve(.indexed(try reader.uleb()))
                let length = try reader.uleb()
                if let start { result.append((start.0, start.1..<start.1 &+ length)) }
            case 4:  // offset_pair
                let from = try reader.uleb()
                let to = try reader.uleb()
                if let baseAddress, to >= from {
                    result.append((baseAddress.0, baseAddress.1 &+ from..<baseAddress.1 &+ to))
                }
            case 5:  // base_address
                let at = place(reader.position)
                baseAddress = resolve(.direct(section: section.index, offset: at, value: try reader.u64()))
            case 6:  // start_end
                let at = place(reader.position)
                let start = resolve(.direct(section: section.index, offset: at, value: try reader.u64()))
                let end = resolve(.direct(section: section.index, offset: at + 8, value: try reader.u64()))
                if let start, let end, end.1 >= start.1 { result.append((start.0, start.1..<end.1)) }
            case 7:  // start_length
                let at = place(reader.position)
                let start = resolve(.direct(section: section.index, offset: at, value: try reader.u64()))
                let length = try reader.uleb()
                if let start { result.append((start.0, start.1..<start.1 &+ length)) }
            default: return result  // unknown entry kind: stop rather than misread
            }
        }
        return result
    }

    private static func readAbbreviations(
        _ file: ELFFile,
        _ section: ELFSection,
        at offset: UInt64
    ) throws(ELFError) -> [UInt64: Abbreviation] {
        guard offset < section.size else {
            throw file.error(
                .malformed,
                "compile unit's abbreviations at 0x\(String(offset, radix: 16)) are outside .debug_abbrev"
            )
        }
        var reader = DebugLineTable.Reader(file: file, range: section.fileRange)
        reader.position = section.fileRange.lowerBound + Int(offset)
        var table: [UInt64: Abbreviation] = [:]
        while true {
            let code = try reader.uleb()
            if code == 0 { return table }
            let tag = try reader.uleb()
            let hasChildren = try reader.u8() != 0
            var attributes: [(UInt64, UInt64, Int64)] = []
            while true {
                let name = try reader.uleb()
                let form = try reader.uleb()
                if name == 0 && form == 0 { break }
                let implicit = form == 0x21 ? try reader.sleb() : 0
                attributes.append((name, form, implicit))
            }
            table[code] = Abbreviation(tag: tag, hasChildren: hasChildren, attributes: attributes)
        }
    }

    /// Reads one attribute value; returns it for the constant, address, reference and
    /// offset forms, and 0 for the forms it only skips (strings, blocks, expressions).
    private static func readForm(
        _ reader: inout DebugLineTable.Reader,
        _ form: UInt64,
        offsetSize: Int,
        version: UInt16
    ) throws(ELFError) -> UInt64 {
        func skip(_ count: UInt64) throws(ELFError) { reader.position = try reader.limit(count, "DWARF attribute") }
        func offset() throws(ELFError) -> UInt64 { offsetSize == 8 ? try reader.u64() : UInt64(try reader.u32()) }
        switch form {
        case 0x01: return try reader.u64()  // addr (8-byte addresses only)
        case 0x03: try skip(UInt64(try reader.u16()))  // block2
        case 0x04: try skip(UInt64(try reader.u32()))  // block4
        case 0x05: return UInt64(try reader.u16())  // data2
        case 0x06: return UInt64(try reader.u32())  // data4
        case 0x07: return try reader.u64()  // data8
        case 0x08:  // string
            while try reader.u8() != 0 {}
        case 0x09, 0x18: try skip(try reader.uleb())  // block, exprloc
        case 0x0a: try skip(UInt64(try reader.u8()))  // block1
        case 0x0b, 0x11: return UInt64(try reader.u8())  // data1, ref1
        case 0x0c: return UInt64(try reader.u8())  // flag
        case 0x0d: return UInt64(bitPattern: try reader.sleb())  // sdata
        case 0x0e, 0x17, 0x1d, 0x1f, 0x1f21: return try offset()  // strp, sec_offset, strp_sup, line_strp, GNU_strp_alt
        case 0x0f, 0x15, 0x1a, 0x1b, 0x22, 0x23, 0x1f01, 0x1f02:
            return try reader.uleb()  // udata, ref_udata, strx, addrx, loclistx, rnglistx, GNU indices
        case 0x10, 0x1f20: return version <= 2 ? try reader.u64() : try offset()  // ref_addr, GNU_ref_alt
        case 0x12: return UInt64(try reader.u16())  // ref2
        case 0x13, 0x1c: return UInt64(try reader.u32())  // ref4, ref_sup4
        case 0x14, 0x20, 0x24: return try reader.u64()  // ref8, ref_sig8, ref_sup8
        case 0x16:  // indirect
            let actual = try reader.uleb()
            return try readForm(&reader, actual, offsetSize: offsetSize, version: version)
        case 0x19, 0x21: return 0  // flag_present, implicit_const (value in the abbreviation)
        case 0x1e: try skip(16)  // data16
        case 0x25, 0x29: return UInt64(try reader.u8())  // strx1, addrx1
        case 0x26, 0x2a: return UInt64(try reader.u16())  // strx2, addrx2
        case 0x27, 0x2b:  // strx3, addrx3
            let low = UInt64(try reader.u16())
            return low | UInt64(try reader.u8()) << 16
        case 0x28, 0x2c: return UInt64(try reader.u32())  // strx4, addrx4
        default:
            throw reader.file.error(
                .malformed,
                "DWARF attribute uses unknown form 0x\(String(form, radix: 16))",
                at: UInt64(reader.position)
            )
        }
        return 0
    }
}
