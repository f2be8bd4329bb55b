//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One object file's symbols and relocations, arranged for lookups by place: which
/// relocations patch a byte range, which symbol covers an offset.
///
/// Places are offsets in sections. In a linked file (shared object, executable) symbol
/// values are addresses: they are rebased to section offsets here, and the dynamic
/// relocations, which patch the image rather than a symbol's code, are left out.
struct ObjectIndex {
    struct Patch {
        var relocation: ELFRelocation
        var hasAddend: Bool
    }

    let file: ELFFile
    /// The symbol table, values as section offsets (`.symtab`, else `.dynsym`).
    let symbols: [ELFSymbol]
    /// The symbol table as the file has it.
    let originalSymbols: [ELFSymbol]
    /// Relocations by the section they patch, sorted by offset.
    let patches: [Int: [Patch]]
    /// Named symbols (not section or file symbols) by section, sorted by value then name.
    let symbolsBySection: [Int: [ELFSymbol]]
    /// Offsets where something starts or ends, by section: symbols' starts and ends, and
    /// the places relocations point at. They cut anonymous data into pieces.
    let boundaries: [Int: [UInt64]]
    let relocationTables: [ELFRelocationTable]

    init(file: ELFFile) throws(ELFError) {
        self.file = file
        var symbols = try file.symbols()
        if symbols.isEmpty { symbols = try file.dynamicSymbols() }
        originalSymbols = symbols
        let isLinked = file.header.type != .relocatable
        if isLinked {
            for index in symbols.indices where symbols[index].section.isSection {
                let section = Int(symbols[index].section.rawValue)
                guard section < file.sections.count else { continue }  // reported below
                symbols[index].value &-= file.sections[section].address
            }
        }
        self.symbols = symbols
        let tables = isLinked ? [] : try file.relocationTables()
        relocationTables = tables
        var patches: [Int: [Patch]] = [:]
        var boundaries: [Int: Set<UInt64>] = [:]
        for table in tables {
            guard let target = table.targetSectionIndex else { continue }
            let isCode = file.sections[target].flags.contains(.executable)
            var list = patches[target, default: []]
            for entry in table.entries {
                guard entry.symbolIndex < symbols.count else {
                    throw file.error(
                        .malformed,
                        "relocation in '\(table.section.name)' refers to symbol \(entry.symbolIndex), "
                            + "but the symbol table has \(symbols.count)",
                        at: table.section.offset
                    )
                }
                list.append(Patch(relocation: entry, hasAddend: table.hasAddends))
                let symbol = symbols[entry.symbolIndex]
                if symbol.type == .section, symbol.section.isSection {
                    var offset = symbol.value &+ UInt64(bitPattern: entry.addend)
                    if isCode, file.header.machine == .x86_64, entry.type.patch?.isPCRelative == true {
                        offset &+= UInt64(entry.type.patch?.size ?? 0)
                    }
                    boundaries[Int(symbol.section.rawValue), default: []].insert(offset)
                }
            }
            patches[target] = list
        }
        for key in patches.keys { patches[key]?.sort { $0.relocation.offset < $1.relocation.offset } }
        self.patches = patches
        var bySection: [Int: [ELFSymbol]] = [:]
        for symbol in symbols where symbol.section.isSection && !symbol.name.isEmpty {
            guard symbol.type != .section, symbol.type != .file else { continue }
            guard Int(symbol.section.rawValue) < file.sections.count else {
                throw file.error(
                    .malformed,
                    "symbol '\(symbol.name)' is in section \(symbol.section.rawValue), "
                        + "but the file has \(file.sections.count) sections"
                )
            }
            bySection[Int(symbol.section.rawValue), default: []].append(symbol)
            boundaries[Int(symbol.section.rawValue), default: []].insert(symbol.value)
            boundaries[Int(symbol.section.rawValue), default: []].insert(symbol.value &+ symbol.size)
        }
        for key in bySection.keys {
            bySection[key]?.sort { ($0.value, $0.name) < ($1.value, $1.name) }
        }
        symbolsBySection = bySection
        self.boundaries = boundaries.mapValues { $0.sorted() }
    }

    /// The relocations that patch bytes in `range` of section `section`.
    func patches(in section: Int, _ range: Range<UInt64>) -> ArraySlice<Patch> {
        guard let list = patches[section] else { return [] }
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].relocation.offset < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < list.count, list[end].relocation.offset < range.upperBound { end += 1 }
        return list[low..<end]
    }

    /// The named symbol at `offset` in `section`: one that starts there, else the one
    /// whose extent covers it (ties go to the alphabetically first name).
    func symbol(in section: Int, at offset: UInt64) -> ELFSymbol? {
        guard let list = symbolsBySection[section] else { return nil }
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].value <= offset { low = middle + 1 } else { high = middle }
        }
        // list[..<low] start at or before offset; the first with the greatest start wins.
        var index = low - 1
        guard index >= 0 else { return nil }
        if list[index].value == offset {
            while index > 0, list[index - 1].value == offset { index -= 1 }
            return list[index]
        }
        var best: ELFSymbol?
        var steps = 0
        while index >= 0, steps < 64 {  // extents rarely nest deeper; bound the walk
            let candidate = list[index]
            if let best, candidate.value < best.value { break }
            if offset < candidate.value &+ candidate.size { best = candidate }  // same start: earlier name
            index -= 1
            steps += 1
        }
        return best
    }

    /// The byte range `[start, end)` of the anonymous piece of `section` that holds `offset`:
    /// from the boundary at or before it to the next one. A piece that starts with
    /// relocated fields (a jump table) ends with the last field of that run, since the
    /// assembler resolves references within a section without relocations, so the next
    /// piece's start may not be a boundary.
    func piece(in section: Int, at offset: UInt64) -> Range<UInt64> {
        let size = file.sections[section].size
        guard let list = boundaries[section] else { return 0..<size }
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] <= offset { low = middle + 1 } else { high = middle }
        }
        let start = min(low > 0 ? list[low - 1] : 0, size)
        var end = low < list.count ? min(list[low], size) : size
        var runEnd = start
        for patch in patches(in: section, start..<max(end, start)) {
            guard patch.relocation.offset == runEnd, let field = patch.relocation.type.patch else { break }
            runEnd += UInt64(field.size)
        }
        if runEnd > start && runEnd > offset { end = min(end, runEnd) }
        return start..<max(end, start)
    }

    /// The extent of a defined symbol: its size, or up to the next symbol when it has none.
    func extent(of symbol: ELFSymbol) -> Range<UInt64> {
        let section = file.sections[Int(symbol.section.rawValue)]
        let start = min(symbol.value, section.size)
        if symbol.size > 0 { return start..<min(symbol.value &+ symbol.size, section.size) }
        let next = symbolsBySection[Int(symbol.section.rawValue)]?.first { $0.value > symbol.value }?.value
        return start..<min(next ?? section.size, section.size)
    }
}
