//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A symbol table entry (`Elf64_Sym`) with its name.
public struct ELFSymbol: Hashable, Sendable, CustomStringConvertible {
    /// The entry's index in its symbol table; relocations refer to symbols by this index.
    public var index: Int
    /// The symbol's name from the table's string table (`st_name`); empty for section symbols.
    public var name: String
    /// The value: an offset in its section for relocatable objects, a virtual address for
    /// linked files (`st_value`).
    public var value: UInt64
    /// The size in bytes, or 0 when unknown (`st_size`).
    public var size: UInt64
    /// Who can see the symbol (`ELF64_ST_BIND`).
    public var binding: SymbolBinding
    /// What the symbol names (`ELF64_ST_TYPE`).
    public var type: SymbolType
    /// Whether the symbol is exported from the linked image (`ELF64_ST_VISIBILITY`).
    public var visibility: SymbolVisibility
    /// The section the symbol is defined in, or a reserved value (`st_shndx`, with
    /// `SHN_XINDEX` already resolved).
    public var section: SectionIndex

    /// Whether the symbol is defined in this file (not `SHN_UNDEF`).
    public var isDefined: Bool { section != .undefined }

    public var description: String {
        "\(name) \(type) \(binding) \(visibility) section \(section) value 0x\(String(value, radix: 16)) size \(size)"
    }
}

extension ELFFile {
    /// The full symbol table (`.symtab`, `SHT_SYMTAB`), or an empty array if the file has
    /// none (stripped). Index 0 is the null symbol.
    public func symbols() throws(ELFError) -> [ELFSymbol] {
        guard let table = sections.first(where: { $0.type == .symbolTable }) else { return [] }
        return try symbols(in: table)
    }

    /// The dynamic symbol table (`.dynsym`, `SHT_DYNSYM`), or an empty array if the file
    /// has none. Index 0 is the null symbol.
    public func dynamicSymbols() throws(ELFError) -> [ELFSymbol] {
        guard let table = sections.first(where: { $0.type == .dynamicSymbols }) else { return [] }
        return try symbols(in: table)
    }

    /// The symbols a shared object exports: defined dynamic symbols with global or weak
    /// binding and default or protected visibility.
    public func exportedSymbols() throws(ELFError) -> [ELFSymbol] {
        try dynamicSymbols().filter { symbol in
            symbol.isDefined && symbol.type != .section && symbol.type != .file
                && (symbol.binding == .global || symbol.binding == .weak || symbol.binding == .gnuUnique)
                && (symbol.visibility == .default || symbol.visibility == .protected)
        }
    }

    /// Whether the shared object exports a symbol called `name`, such as a plugin's
    /// `distill_application` entry point.
    public func exportsSymbol(named name: String) throws(ELFError) -> Bool {
        try exportedSymbols().contains { $0.name == name }
    }

    /// The entries of the symbol table `table` (a `SHT_SYMTAB` or `SHT_DYNSYM` section).
    public func symbols(in table: ELFSection) throws(ELFError) -> [ELFSymbol] {
        guard table.type == .symbolTable || table.type == .dynamicSymbols else {
            throw error(.malformed, "section '\(table.name)' is \(table.type), not a symbol table", at: table.offset)
        }
        let count = try entries(of: table, entrySize: 24, "symbol table").count
        let names = try section(at: Int(table.link), for: "symbol table '\(table.name)' string table link")
        guard names.type == .stringTable else {
            throw error(
                .malformed,
                "symbol table '\(table.name)' links to '\(names.name)', which is not a string table",
                at: table.headerOffset + 40
            )
        }
        let extended = sections.first { $0.type == .symbolTableSectionIndices && Int($0.link) == table.index }
        if let extended, extended.size < UInt64(count) * 4 {
            throw error(
                .truncated,
                "extended section index table '\(extended.name)' has fewer than \(count) entries",
                at: extended.offset
            )
        }
        let s = storage
        var symbols: [ELFSymbol] = []
        symbols.reserveCapacity(count)
        for index in 0..<count {
            let at = table.fileRange.lowerBound + index * 24
            let info = s.u8(at + 4)
            var sectionIndex = UInt32(s.u16(at + 6))
            if sectionIndex == 0xffff, let extended {
                sectionIndex = s.u32(extended.fileRange.lowerBound + index * 4)
            }
            let nameOffset = s.u32(at)
            let name = nameOffset == 0 ? "" : try string(in: names, at: nameOffset, "name of symbol \(index)")
            symbols.append(
                ELFSymbol(
                    index: index,
                    name: name,
                    value: s.u64(at + 8),
                    size: s.u64(at + 16),
                    binding: SymbolBinding(rawValue: info >> 4),
                    type: SymbolType(rawValue: info & 0xf),
                    visibility: SymbolVisibility(rawValue: s.u8(at + 5) & 0x3),
                    section: SectionIndex(rawValue: sectionIndex)
                )
            )
        }
        return symbols
    }
}
