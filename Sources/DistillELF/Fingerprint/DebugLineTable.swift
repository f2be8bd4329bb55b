//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The source line of each address range of code, from the DWARF line tables
/// (`.debug_line`, versions 2 to 5), by section.
///
/// Fingerprinting uses it to recognise source line numbers that the compiler put into
/// code as constants (the `line:` argument of `fatalError`, of `#line` default arguments
/// as in swift-log's `logger.info(...)`), so that moving code by adding a comment does
/// not change its fingerprint. In relocatable objects the addresses are section offsets
/// given by relocations; in linked files they are virtual addresses.
struct DebugLineTable: Sendable {
    struct Range: Sendable {
        var start: UInt64
        var end: UInt64
        var line: UInt32
    }

    /// Ranges sorted by start, per section index.
    private(set) var ranges: [Int: [Range]] = [:]

    /// The source line of the code at `offset` in section `section`, if the table covers it.
    func line(section: Int, offset: UInt64) -> UInt32? {
        guard let ranges = ranges[section] else { return nil }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].start <= offset { low = middle + 1 } else { high = middle }
        }
        guard low > 0, offset < ranges[low - 1].end else { return nil }
        return ranges[low - 1].line
    }

    init() {}

    /// Reads the line tables of `file`; `symbols` and `relocations` resolve the addresses of
    /// a relocatable object. A file without `.debug_line` (or with it compressed) gives an
    /// empty table.
    init(file: ELFFile, symbols: [ELFSymbol], relocations: [ELFRelocationTable]) throws(ELFError) {
        guard let section = file.section(named: ".debug_line"), section.hasContents,
            !section.flags.contains(.compressed)
        else { return }
        var addressRelocations: [UInt64: (section: Int, base: UInt64)] = [:]
        if file.header.type == .relocatable {
            for table in relocations where table.targetSectionIndex == section.index {
                for entry in table.entries where entry.symbolIndex > 0 && entry.symbolIndex < symbols.count {
                    let symbol = symbols[entry.symbolIndex]
                    guard symbol.section.isSection else { continue }
                    addressRelocations[entry.offset] = (
                        Int(symbol.section.rawValue), symbol.value &+ UInt64(bitPattern: entry.addend)
                    )
                }
            }
        }
        let sectionsByAddress = file.sections.filter { $0.flags.contains(.alloc) && $0.size > 0 }
        var collected: [Int: [Range]] = [:]
        var reader = Reader(file: file, range: section.fileRange)
        while !reader.atEnd {
            try Self.readUnit(&reader, file: file) { start, end, line, operandOffset in
                var sectionIndex: Int
                var base: UInt64
                if let relocated = operandOffset.flatMap({
                    addressRelocations[$0 - UInt64(section.fileRange.lowerBound)]
                }) {
                    (sectionIndex, base) = relocated
                    base = base &- start.sequenceStart
                } else if let owner = sectionsByAddress.first(where: {
                    $0.address <= start.address && start.address < $0.address + $0.size
                }) {
                    sectionIndex = owner.index
                    base = 0 &- owner.address
                } else {
                    return
                }
                collected[sectionIndex, default: []].append(
                    Range(start: start.address &+ base, end: end &+ base, line: line)
                )
            }
        }
        for (index, list) in collected {
            ranges[index] = list.sorted { $0.start < $1.start }
        }
    }

    /// The address a row starts at, and the address set by the sequence's `DW_LNE_set_address`.
    struct RowStart {
        var address: UInt64
        var sequenceStart: UInt64
    }

    /// Reads one line table unit and reports each row's address range and line.
    /// `operandOffset` is the file offset of the sequence's `DW_LNE_set_address` operand.
    private static func readUnit(
        _ reader: inout Reader,
        file: ELFFile,
        row: (RowStart, UInt64, UInt32, UInt64?) -> Void
    ) throws(ELFError) {
        let unitStart = reader.position
        var length = UInt64(try reader.u32())
        var offsetSize = 4
        if length == 0xffff_ffff {
            length = try reader.u64()
            offsetSize = 8
        }
        let unitEnd = try reader.limit(length, "line table unit at 0x\(String(unitStart, radix: 16))")
        defer { reader.position = unitEnd }
        let version = try reader.u16()
        guard (2...5).contains(version) else { return }  // unknown layout: skip the unit
        var addressSize = 8
        if version >= 5 {
            addressSize = Int(try reader.u8())
            _ = try reader.u8()  // segment selector size
        }
        let headerLength = offsetSize == 8 ? try reader.u64() : UInt64(try reader.u32())
        let programStart = try reader.limit(headerLength, "line table header")
        let minimumInstructionLength = UInt64(try reader.u8())
        let maximumOperations = version >= 4 ? max(UInt64(try reader.u8()), 1) : 1
        let defaultIsStatement = try reader.u8() != 0
        _ = defaultIsStatement
        let lineBase = Int64(Int8(bitPattern: try reader.u8()))
        let lineRange = UInt64(try reader.u8())
        let opcodeBase = try reader.u8()
        guard lineRange > 0, opcodeBase > 0 else { return }
        var standardLengths: [UInt8] = []
        for _ in 1..<Int(opcodeBase) { standardLengths.append(try reader.u8()) }
        // The directory and file tables are not needed: skip to the program.
        reader.position = programStart

        var address: UInt64 = 0
        var sequenceStart: UInt64 = 0
        var operandOffset: UInt64?
        var line: Int64 = 1
        var pending: (RowStart, UInt32)?
        func emit(_ address: UInt64) {
            if let (start, line) = pending, address > start.address {
                row(start, address, line, operandOffset)
            }
            pending = (RowStart(address: address, sequenceStart: sequenceStart), UInt32(clamping: line))
        }
        func advance(_ operations: UInt64) {
            address &+= minimumInstructionLength &* (operations / maximumOperations)
        }
        while reader.position < unitEnd {
            let opcode = try reader.u8()
            if opcode >= opcodeBase {
                let adjusted = UInt64(opcode - opcodeBase)
                advance(adjusted / lineRange)
                line += lineBase + Int64(adjusted % lineRange)
                emit(address)
                continue
            }
            switch opcode {
            case 0:  // extended
                let size = try reader.uleb()
                let end = try reader.limit(size, "extended line opcode")
                guard size > 0 else { break }
                let sub = try reader.u8()
                switch sub {
                case 1:  // DW_LNE_end_sequence
                    emit(address)
                    pending = nil
                    address = 0
                    line = 1
                    operandOffset = nil
                case 2:  // DW_LNE_set_address
                    operandOffset = UInt64(reader.position)
                    address = addressSize == 8 ? try reader.u64() : UInt64(try reader.u32())
                    sequenceStart = address
                default: break
                }
                reader.position = end
            case 1: emit(address)  // DW_LNS_copy
            case 2: advance(try reader.uleb())  // DW_LNS_advance_pc
            case 3: line += try reader.sleb()  // DW_LNS_advance_line
            case 4, 5, 12: _ = try reader.uleb()  // set_file, set_column, set_isa
            case 6, 7, 10, 11: break  // negate_stmt, set_basic_block, prologue_end, epilogue_begin
            case 8: advance((255 - UInt64(opcodeBase)) / lineRange)  // DW_LNS_const_add_pc
            case 9: address &+= UInt64(try reader.u16())  // DW_LNS_fixed_advance_pc
            default:
                for _ in 0..<Int(standardLengths[Int(opcode) - 1]) { _ = try reader.uleb() }
            }
        }
    }

    /// A bounds-checked little-endian reader over part of the file.
    struct Reader {
        let file: ELFFile
        var position: Int
        var end: Int

        init(file: ELFFile, range: Swift.Range<Int>) {
            self.file = file
            position = range.lowerBound
            end = range.upperBound
        }

        var atEnd: Bool { position >= end }

        private mutating func take(_ count: Int) throws(ELFError) -> Int {
            guard end - position >= count else {
                throw file.error(.truncated, "DWARF line table runs past the end of .debug_line", at: UInt64(position))
            }
            defer { position += count }
            return position
        }

        mutating func u8() throws(ELFError) -> UInt8 { file.storage.u8(try take(1)) }
        mutating func u16() throws(ELFError) -> UInt16 { file.storage.u16(try take(2)) }
        mutating func u32() throws(ELFError) -> UInt32 { file.storage.u32(try take(4)) }
        mutating func u64() throws(ELFError) -> UInt64 { file.storage.u64(try take(8)) }

        /// The position `length` bytes ahead, checked to be inside the section.
        func limit(_ length: UInt64, _ what: String) throws(ELFError) -> Int {
            guard length <= UInt64(end - position) else {
                throw file.error(.truncated, "\(what) runs past the end of .debug_line", at: UInt64(position))
            }
            return position + Int(length)
        }

        mutating func uleb() throws(ELFError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try u8()
                if shift < 64 { result |= UInt64(byte & 0x7f) << shift }
                shift += 7
                if byte & 0x80 == 0 { return result }
            }
        }

        mutating func sleb() throws(ELFError) -> Int64 {
            var result: Int64 = 0
            var shift: Int64 = 0
            var byte: UInt8
            repeat {
                byte = try u8()
                if shift < 64 { result |= Int64(byte & 0x7f) << shift }
                shift += 7
            } while byte & 0x80 != 0
            if shift < 64 && byte & 0x40 != 0 { result |= -(Int64(1) << shift) }
            return result
        }
    }
}
