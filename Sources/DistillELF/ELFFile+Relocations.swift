//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One relocation entry (`Elf64_Rela` or `Elf64_Rel`).
public struct ELFRelocation: Hashable, Sendable {
    /// The place to patch: an offset in the target section for relocatable objects, a
    /// virtual address for linked files (`r_offset`).
    public var offset: UInt64
    /// What to compute and how to write it (`ELF64_R_TYPE`).
    public var type: RelocationType
    /// The index of the symbol in the table's symbol table, or 0 for none (`ELF64_R_SYM`).
    public var symbolIndex: Int
    /// The explicit addend (`r_addend`); 0 for `SHT_REL` tables, whose addend is stored in
    /// the place itself.
    public var addend: Int64
}

/// A relocation section and its entries.
public struct ELFRelocationTable: Hashable, Sendable {
    /// The `SHT_RELA` or `SHT_REL` section itself.
    public var section: ELFSection
    /// The section the relocations patch (`sh_info`), or `nil` for dynamic relocations
    /// that apply to the whole image (`.rela.dyn`, `.rela.plt` in linked files).
    public var targetSectionIndex: Int?
    /// The symbol table the entries' symbol indices refer to (`sh_link`).
    public var symbolTableIndex: Int
    /// Whether entries carry explicit addends (`SHT_RELA`).
    public var hasAddends: Bool
    /// The entries, in file order.
    public var entries: [ELFRelocation]
}

extension ELFFile {
    /// Every relocation table in the file (`SHT_RELA` and `SHT_REL` sections), in section order.
    public func relocationTables() throws(ELFError) -> [ELFRelocationTable] {
        var tables: [ELFRelocationTable] = []
        for section in sections where section.type == .relocationsWithAddends || section.type == .relocations {
            tables.append(try relocationTable(section))
        }
        return tables
    }

    /// The entries of one `SHT_RELA` or `SHT_REL` section.
    public func relocationTable(_ section: ELFSection) throws(ELFError) -> ELFRelocationTable {
        let hasAddends = section.type == .relocationsWithAddends
        guard hasAddends || section.type == .relocations else {
            throw error(
                .malformed,
                "section '\(section.name)' is \(section.type), not a relocation table",
                at: section.offset
            )
        }
        let entrySize = hasAddends ? 24 : 16
        let count = try entries(of: section, entrySize: entrySize, "relocation table").count
        var target: Int?
        if section.info != 0 {
            let targetSection = try self.section(
                at: Int(section.info),
                for: "relocation table '\(section.name)' target (sh_info)"
            )
            target = targetSection.index
        }
        if section.link != 0 {
            let symbols = try self.section(
                at: Int(section.link),
                for: "relocation table '\(section.name)' symbol table (sh_link)"
            )
            guard symbols.type == .symbolTable || symbols.type == .dynamicSymbols else {
                throw error(
                    .malformed,
                    "relocation table '\(section.name)' links to '\(symbols.name)', which is not a symbol table",
                    at: section.headerOffset + 40
                )
            }
        }
        let machine = header.machine
        let s = storage
        var entries: [ELFRelocation] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            let at = section.fileRange.lowerBound + index * entrySize
            let info = s.u64(at + 8)
            entries.append(
                ELFRelocation(
                    offset: s.u64(at),
                    type: RelocationType(machine: machine, rawValue: UInt32(truncatingIfNeeded: info)),
                    symbolIndex: Int(info >> 32),
                    addend: hasAddends ? Int64(bitPattern: s.u64(at + 16)) : 0
                )
            )
        }
        return ELFRelocationTable(
            section: section,
            targetSectionIndex: target,
            symbolTableIndex: Int(section.link),
            hasAddends: hasAddends,
            entries: entries
        )
    }
}
