//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One defined symbol of a set of object files, with the fingerprint of its bytes and
/// the names of the symbols those bytes refer to.
public struct FingerprintedSymbol: Hashable, Sendable {
    /// The symbol's (mangled) name.
    public var name: String
    /// The index of its object file in the array given to the fingerprinter.
    public var objectIndex: Int
    /// The symbol table entry.
    public var symbol: ELFSymbol
    /// The fingerprint of the symbol's normalised bytes and what they refer to.
    public var fingerprint: Fingerprint
    /// The named symbols its bytes refer to through relocations, through PC-relative
    /// fields the assembler resolved, or through anonymous data they point into; sorted,
    /// without duplicates and without the symbol itself.
    public var references: [String]
    /// Whether the symbol is in an executable section.
    public var isCode: Bool
    /// Whether every instruction of the code could be decoded (always true for data). When
    /// false, the undecoded tail was hashed as raw bytes, so the fingerprint may change
    /// when unrelated code moves (never the other way round).
    public var isFullyDecoded: Bool
}

/// Computes a fingerprint per symbol from relocatable objects (`.o` files), such that the
/// fingerprint changes when the symbol's code or data changes and stays the same when
/// only other code moves around it.
///
/// Linked files (a `.so`) can be fingerprinted too, from their `.symtab` (or `.dynsym`):
/// calls and jumps resolve to the symbols they reach, but the linker has turned the other
/// references into addresses and dynamic relocations, so those fingerprints change when
/// the layout does. Use the objects.
///
/// For each defined function or data symbol in an allocated section it hashes:
/// - the symbol's bytes, with every relocated field zeroed (only the field's bits, so an
///   AArch64 instruction keeps its opcode);
/// - for each relocation, in order: where it is in the symbol, its type, and the identity
///   of its target: the symbol's name and addend for a named symbol; for a section-relative
///   target, what lies there: the string for a mergeable string section, the constant for
///   a mergeable constant section, the covering named symbol and the distance into it, or
///   else the contents of the anonymous piece of data (a jump table, say) and the
///   distance into it, so that unrelated code moving does not change it;
/// - PC-relative calls, jumps and address computations the assembler resolved without a
///   relocation (to another function in the same section, which is how functions that
///   share `.text` call each other): the field is zeroed and the target's identity is
///   hashed instead. x86-64 code is decoded instruction by instruction; jumps are hashed in
///   their long form with distances counted in instructions, because the assembler picks
///   the short or long form by the distance in bytes to the target. AArch64 branches and
///   `ADR` are recognised by their encoding.
/// - source line numbers that the compiler put into the code as immediate operands, found
///   three ways: the `line:` argument of the standard library's failure functions
///   (`fatalError`, `precondition`, `assert`, `preconditionFailure`), by its place in the
///   calling convention; an immediate equal to the line that the DWARF line table gives
///   for its own instruction, when the next call takes a `line:` argument (calls that are
///   not inlined, as in debug builds); an immediate equal to the call line of an enclosing
///   inlined function that has a `line` parameter (swift-log's `logger.info(…)` in
///   optimized builds). The immediate is zeroed and marked with the way it was found, so
///   adding a comment above the code does not change it. The last two need `-g`, which
///   SwiftPM always passes. Known gap: in optimized code, a call to a function with a
///   `line: UInt = #line` parameter that is *not* inlined passes its line as a constant
///   the line table attributes to no line; the caller's fingerprint then changes when
///   lines above it move. A constant that equals the line of its own statement is taken
///   for a line number: that can make an unchanged symbol look changed after lines move,
///   and would hide a change only if the constant changed in step with its line.
///
/// Debug information itself (`.debug_*`) and other non-allocated sections are not hashed.
public struct SymbolFingerprinter: Sendable {
    /// Choices that change how fingerprints are computed.
    public struct Options: Hashable, Sendable {
        /// Whether to neutralise source line numbers in immediates (see the type's documentation).
        public var normalizesLineNumbers: Bool
        /// Directories whose absolute paths, at the start of a string the code refers to
        /// (a C `__FILE__`, a Swift 5 `#file`), stand for themselves only by their place in
        /// this list: the same C sources built in another directory give the same
        /// fingerprints. Swift code also passes a literal's length as an immediate, which this
        /// cannot neutralise: there the directories' names must be as long.
        public var pathPrefixes: [String]

        public init(normalizesLineNumbers: Bool = true, pathPrefixes: [String] = []) {
            self.normalizesLineNumbers = normalizesLineNumbers
            self.pathPrefixes = pathPrefixes
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// The fingerprint of every defined symbol in `objects`, by name.
    ///
    /// A name defined in several objects (a weak generic specialization emitted in two
    /// files, a local helper with the same name) gets the combination of its distinct
    /// fingerprints, so that the result does not depend on the order of `objects`.
    public static func fingerprints(of objects: [ELFFile]) throws(ELFError) -> [String: Fingerprint] {
        try SymbolFingerprinter().fingerprintsByName(of: objects)
    }

    /// The fingerprint of every defined symbol in `objects`, by name (see ``fingerprints(of:)``).
    public func fingerprintsByName(of objects: [ELFFile]) throws(ELFError) -> [String: Fingerprint] {
        var byName: [String: Set<Fingerprint>] = [:]
        for symbol in try fingerprintSymbols(in: objects) {
            byName[symbol.name, default: []].insert(symbol.fingerprint)
        }
        return byName.mapValues { $0.count == 1 ? $0.first! : Fingerprint.combining($0) }
    }

    /// What the fingerprint of the symbol `name` is computed from, as text: the normalised
    /// bytes in hexadecimal and, for each relocation, resolved branch and line number, its
    /// offset and what stands in its place. For finding out why two builds differ.
    public func explanation(of name: String, in objects: [ELFFile]) throws(ELFError) -> String? {
        for file in objects {
            let worker = try Worker(index: ObjectIndex(file: file), options: options)
            guard let symbol = worker.index.symbols.first(where: { $0.name == name && $0.section.isSection }),
                Int(symbol.section.rawValue) < file.sections.count
            else { continue }
            let section = file.sections[Int(symbol.section.rawValue)]
            let extent = worker.index.extent(of: symbol)
            guard section.type != .noBits else { return "\(name): \(extent.count) bytes of zeros (\(section.name))" }
            let (bytes, marks, decoded) = worker.normalise(
                extent,
                in: section,
                isCode: section.flags.contains(.executable)
            )
            var lines = [
                "\(name) in \(file.name) \(section.name) +0x\(String(extent.lowerBound, radix: 16))"
                    + (decoded ? "" : " (not fully decoded)")
            ]
            for row in stride(from: 0, to: bytes.count, by: 16) {
                let chunk = bytes[row..<min(row + 16, bytes.count)]
                let hex = chunk.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
                lines.append("  \(String(row, radix: 16)): \(hex)")
            }
            for mark in marks {
                lines.append(
                    "  +0x\(String(mark.offset - extent.lowerBound, radix: 16)) "
                        + "\(mark.kind) \(mark.type) \(mark.identity)"
                )
            }
            return lines.joined(separator: "\n")
        }
        return nil
    }

    /// Every defined symbol of `objects` in an allocated section, fingerprinted, in object
    /// then symbol table order.
    public func fingerprintSymbols(in objects: [ELFFile]) throws(ELFError) -> [FingerprintedSymbol] {
        var result: [FingerprintedSymbol] = []
        for (index, file) in objects.enumerated() {
            let worker = try Worker(index: ObjectIndex(file: file), options: options)
            result += try worker.fingerprintAll(objectIndex: index)
        }
        return result
    }
}

// MARK: - The work on one object

extension SymbolFingerprinter {
    /// What a field or a relocation stands for, hashed in place of its bytes.
    enum Identity: Hashable {
        case named(String, addend: Int64)
        case symbol(String, delta: UInt64)
        case string([UInt8])
        case constant([UInt8])
        case anonymous(section: String, contents: Fingerprint?, delta: UInt64, names: [String])
        case absolute(UInt64)
        case none

        func hash(into hasher: inout StableHasher) {
            switch self {
            case .named(let name, let addend):
                hasher.combine(UInt8(1))
                hasher.combine(name)
                hasher.combine(addend)
            case .symbol(let name, let delta):
                hasher.combine(UInt8(2))
                hasher.combine(name)
                hasher.combine(delta)
            case .string(let bytes):
                hasher.combine(UInt8(3))
                hasher.combine(bytes: bytes)
            case .constant(let bytes):
                hasher.combine(UInt8(4))
                hasher.combine(bytes: bytes)
            case .anonymous(let section, let contents, let delta, _):
                hasher.combine(UInt8(5))
                hasher.combine(section)
                hasher.combine(contents ?? Fingerprint(high: 0, low: 0))
                hasher.combine(delta)
            case .absolute(let value):
                hasher.combine(UInt8(6))
                hasher.combine(value)
            case .none:
                hasher.combine(UInt8(7))
            }
        }

        /// The named symbols this identity stands for or points through.
        var referencedNames: [String] {
            switch self {
            case .named(let name, _), .symbol(let name, _): [name]
            case .anonymous(_, _, _, let names): names
            default: []
            }
        }
    }

    /// One thing hashed besides the bytes, at an offset in the symbol.
    struct Mark {
        enum Kind: UInt8 {
            case relocation = 1
            case resolvedBranch = 2
            case lineNumber = 3
        }
        var offset: UInt64
        var kind: Kind
        var type: UInt32 = 0
        var identity: Identity = .none
    }

    struct Worker {
        let index: ObjectIndex
        let options: Options
        var lines: DebugLineTable?
        var inlining = DebugInlineTable()

        init(index: ObjectIndex, options: Options) throws(ELFError) {
            self.index = index
            self.options = options
            if options.normalizesLineNumbers {
                lines = try DebugLineTable(
                    file: index.file,
                    symbols: index.symbols,
                    relocations: index.relocationTables
                )
                inlining = try DebugInlineTable(
                    file: index.file,
                    symbols: index.symbols,
                    relocations: index.relocationTables
                )
            }
        }

        var file: ELFFile { index.file }
        var machine: Machine { index.file.header.machine }

        func fingerprintAll(objectIndex: Int) throws(ELFError) -> [FingerprintedSymbol] {
            var result: [FingerprintedSymbol] = []
            for symbol in index.symbols where symbol.section.isSection && !symbol.name.isEmpty {
                guard symbol.type != .section, symbol.type != .file else { continue }
                let sectionIndex = Int(symbol.section.rawValue)
                guard sectionIndex < file.sections.count else { continue }  // checked by ObjectIndex
                let section = file.sections[sectionIndex]
                guard section.flags.contains(.alloc) else { continue }
                let (fingerprint, references, decoded) = fingerprint(symbol, in: section)
                result.append(
                    FingerprintedSymbol(
                        name: symbol.name,
                        objectIndex: objectIndex,
                        symbol: index.originalSymbols[symbol.index],
                        fingerprint: fingerprint,
                        references: references,
                        isCode: section.flags.contains(.executable),
                        isFullyDecoded: decoded
                    )
                )
            }
            return result
        }

        func fingerprint(_ symbol: ELFSymbol, in section: ELFSection) -> (Fingerprint, [String], Bool) {
            var hasher = StableHasher()
            let isCode = section.flags.contains(.executable)
            hasher.combine(UInt8(isCode ? 1 : 0) | (section.flags.contains(.write) ? 2 : 0))
            hasher.combine(UInt8(symbol.type.rawValue))
            let extent = index.extent(of: symbol)
            guard section.type != .noBits else {
                hasher.combine(UInt64(extent.count))
                return (hasher.finalize(), [], true)
            }
            let (bytes, marks, decoded) = normalise(extent, in: section, isCode: isCode)
            hasher.combine(bytes: bytes)
            var references = Set<String>()
            for mark in marks {
                hasher.combine(mark.offset - extent.lowerBound)
                hasher.combine(mark.kind.rawValue)
                hasher.combine(mark.type)
                mark.identity.hash(into: &hasher)
                for name in mark.identity.referencedNames where name != symbol.name { references.insert(name) }
            }
            return (hasher.finalize(), references.sorted(), decoded)
        }

        /// The bytes of `extent` with relocated and resolved fields zeroed, and what stands
        /// in their place, in offset order.
        func normalise(
            _ extent: Range<UInt64>,
            in section: ELFSection,
            isCode: Bool
        ) -> ([UInt8], [Mark], Bool) {
            let sectionIndex = section.index
            let start = section.fileRange.lowerBound
            var bytes = Array(file.storage.buffer(start + Int(extent.lowerBound)..<start + Int(extent.upperBound)))
            var marks: [Mark] = []
            var decoded = true
            // Where each relocated field's instruction ends (x86-64 PC-relative targets need it).
            var instructionEnds: [UInt64: UInt64] = [:]
            let patches = index.patches(in: sectionIndex, extent)
            var patchedFields: [UInt64: String] = [:]  // field → target symbol name ("" for sections)
            for patch in patches {
                let symbol = index.symbols[patch.relocation.symbolIndex]
                patchedFields[patch.relocation.offset] = symbol.type == .section ? "" : symbol.name
            }

            var instructions: [(at: Int, instruction: X86Instruction)] = []
            if isCode && machine == .x86_64 {
                (decoded, instructions) = file.withContents(of: section) { code in
                    decodeX86(
                        code,
                        extent,
                        section: sectionIndex,
                        patched: patchedFields,
                        bytes: &bytes,
                        marks: &marks,
                        instructionEnds: &instructionEnds
                    )
                }
            } else if isCode && machine == .aarch64 {
                normaliseAArch64(
                    extent,
                    section: sectionIndex,
                    patched: Set(patchedFields.keys),
                    bytes: &bytes,
                    marks: &marks
                )
            }

            for patch in patches {
                let relocation = patch.relocation
                let at = Int(relocation.offset - extent.lowerBound)
                var addend = relocation.addend
                if let layout = relocation.type.patch, at + layout.size <= bytes.count {
                    var field: UInt64 = 0
                    for i in 0..<layout.size { field |= UInt64(bytes[at + i]) << UInt64(8 * i) }
                    if !patch.hasAddend { addend = Int64(bitPattern: field & layout.mask) }
                    field &= ~layout.mask
                    for i in 0..<layout.size { bytes[at + i] = UInt8(truncatingIfNeeded: field >> UInt64(8 * i)) }
                }
                let symbol = index.symbols[relocation.symbolIndex]
                var identity: Identity
                if relocation.symbolIndex == 0 {
                    identity = .absolute(UInt64(bitPattern: addend))
                } else if symbol.type == .section || symbol.name.isEmpty {
                    var target = symbol.value &+ UInt64(bitPattern: addend)
                    if isCode, machine == .x86_64, relocation.type.patch?.isPCRelative == true {
                        let size = UInt64(relocation.type.patch?.size ?? 4)
                        target &+=
                            (instructionEnds[relocation.offset] ?? relocation.offset &+ size) &- relocation.offset
                    }
                    identity = location(symbol.section, target, depth: 0)
                } else if options.pathPrefixes.isEmpty || !isLocalString(symbol) {
                    identity = .named(symbol.name, addend: addend)
                } else {
                    // A string literal's local symbol is named after its contents
                    // (`.L.str.36./home/...`): the contents, paths normalised, stand in for it.
                    identity = .named(localStringName(symbol), addend: addend)
                }
                marks.append(
                    Mark(
                        offset: relocation.offset,
                        kind: .relocation,
                        type: relocation.type.rawValue,
                        identity: identity
                    )
                )
            }
            marks.sort { ($0.offset, $0.kind.rawValue) < ($1.offset, $1.kind.rawValue) }
            if decoded && !instructions.isEmpty {
                return Self.canonicalBranches(bytes, marks, instructions, extent)
            }
            return (bytes, marks, decoded)
        }

        /// Rewrites every jump and conditional jump in the long form, with the distance to
        /// its target counted in instructions instead of bytes (0 for a target outside the
        /// symbol, whose identity is in a mark), and moves the marks to the rewritten
        /// places. The assembler picks the short or long form of a branch by the distance
        /// in bytes, which changes when code between a caller and the function it jumps to
        /// grows; the rewritten form does not.
        static func canonicalBranches(
            _ bytes: [UInt8],
            _ marks: [Mark],
            _ instructions: [(at: Int, instruction: X86Instruction)],
            _ extent: Range<UInt64>
        ) -> ([UInt8], [Mark], Bool) {
            let base = Int(extent.lowerBound)
            let markedFields = Set(marks.map { Int($0.offset) })  // relocated or resolved: identity in the mark
            var indexOf: [Int: Int] = [:]
            for (index, entry) in instructions.enumerated() { indexOf[entry.at] = index }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 16)
            var starts: [(original: Int, canonical: Int, opcodeShift: Int, rewritten: Bool)] = []
            for (index, (at, instruction)) in instructions.enumerated() {
                let relative = at - base
                // Jumps and conditional jumps; not loop and jrcxz (E0–E3), which have no long form.
                guard instruction.kind == .jump || instruction.kind == .conditionalJump,
                    let branch = instruction.branch, bytes[relative + branch.offset - 1] & 0xfc != 0xe0
                else {
                    starts.append((relative, output.count, 0, false))
                    output += bytes[relative..<relative + instruction.length]
                    continue
                }
                // The opcode: jmp → E9, jcc → 0F 8x (from 7x or 0F 8x); prefixes dropped.
                let opcodeByte = bytes[relative + branch.offset - 1]
                let opcode: [UInt8]
                if instruction.kind == .jump {
                    opcode = [0xe9]
                } else {
                    opcode = [0x0f, 0x80 | (opcodeByte & 0x0f)]
                }
                starts.append((relative, output.count, opcode.count - branch.offset, true))
                // The target: an instruction of this symbol, counted in instructions.
                var displacement: Int64 = 0
                for i in 0..<branch.size { displacement |= Int64(bytes[relative + branch.offset + i]) << Int64(8 * i) }
                let shift = Int64(64 - 8 * branch.size)
                displacement = (displacement << shift) >> shift
                let target = at + instruction.length + Int(displacement)
                var token: Int32 = 0
                if markedFields.contains(at + branch.offset) {
                    token = 0
                } else if let targetIndex = indexOf[target] {
                    token = Int32(targetIndex - index)
                } else if extent.contains(UInt64(target)) {
                    token = Int32(truncatingIfNeeded: displacement) | Int32(bitPattern: 0x8000_0000)  // mid-instruction
                }
                output += opcode
                withUnsafeBytes(of: token.littleEndian) { output += $0 }
            }
            // Marks keep their distance from their instruction's start (plus the opcode change).
            let moved = marks.map { mark -> Mark in
                let offset = Int(mark.offset) - base
                var low = 0
                var high = starts.count
                while low < high {
                    let middle = (low + high) / 2
                    if starts[middle].original <= offset { low = middle + 1 } else { high = middle }
                }
                guard low > 0 else { return mark }
                let start = starts[low - 1]
                var copy = mark
                copy.offset = extent.lowerBound + UInt64(start.canonical + offset - start.original + start.opcodeShift)
                if start.rewritten && mark.kind == .resolvedBranch { copy.type = 4 }  // rewritten long form
                return copy
            }
            return (output, moved, true)
        }

        /// Decodes x86-64 code in `extent`; resolves assembler-resolved PC-relative fields
        /// that leave the symbol, and marks line-number immediates. Returns whether every
        /// instruction decoded, and the instructions.
        func decodeX86(
            _ code: UnsafeRawBufferPointer,
            _ extent: Range<UInt64>,
            section: Int,
            patched: [UInt64: String],
            bytes: inout [UInt8],
            marks: inout [Mark],
            instructionEnds: inout [UInt64: UInt64]
        ) -> (complete: Bool, instructions: [(at: Int, instruction: X86Instruction)]) {
            var instructions: [(at: Int, instruction: X86Instruction)] = []
            var at = Int(extent.lowerBound)
            let end = Int(extent.upperBound)
            var complete = true
            while at < end {
                guard let instruction = X86InstructionDecoder.decode(code, at: at, end: end) else {
                    complete = false
                    break
                }
                instructions.append((at, instruction))
                at += instruction.length
            }
            // For each instruction, whether the next call after it passes a `line:` argument;
            // and the exact line arguments of calls to the standard library's failure functions.
            var nextCallTakesLine = [Bool](repeating: false, count: instructions.count)
            var exactLines = Set<Int>()
            var takesLine = false
            for index in instructions.indices.reversed() {
                let (at, instruction) = instructions[index]
                if instruction.kind == .call, let branch = instruction.branch {
                    let callee = patched[UInt64(at + branch.offset)] ?? ""
                    if let argument = LineArgument.failureFunctions[callee] {
                        takesLine = false  // exactly located below; the row rule could mistake the file's length
                        if let writer = LineArgument.writer(of: argument, before: index, in: instructions, code: code) {
                            exactLines.insert(writer)
                        }
                    } else {
                        takesLine = Self.takesLineArgument(callee)
                    }
                } else if instruction.kind == .jump {
                    takesLine = false
                }
                nextCallTakesLine[index] = takesLine
            }
            for (index, (at, instruction)) in instructions.enumerated() {
                let instructionEnd = UInt64(at + instruction.length)
                for field in at..<at + instruction.length where patched[UInt64(field)] != nil {
                    instructionEnds[UInt64(field)] = instructionEnd
                }
                var fields: [(offset: Int, size: Int)] = []
                if let branch = instruction.branch { fields.append((at + branch.offset, branch.size)) }
                if let rip = instruction.ripDisplacement { fields.append((at + rip, 4)) }
                for field in fields where patched[UInt64(field.offset)] == nil {
                    var displacement: Int64 = 0
                    for i in 0..<field.size { displacement |= Int64(code[field.offset + i]) << Int64(8 * i) }
                    let shift = Int64(64 - 8 * field.size)
                    displacement = (displacement << shift) >> shift  // sign-extend
                    let target = UInt64(bitPattern: Int64(instructionEnd) &+ displacement)
                    guard !extent.contains(target) else { continue }  // a branch inside the symbol
                    for i in 0..<field.size { bytes[field.offset - Int(extent.lowerBound) + i] = 0 }
                    marks.append(
                        Mark(
                            offset: UInt64(field.offset),
                            kind: .resolvedBranch,
                            type: UInt32(field.size),
                            identity: resolvedTarget(section: section, offset: target)
                        )
                    )
                }
                if options.normalizesLineNumbers, let immediate = instruction.immediate, immediate.size <= 4,
                    patched[UInt64(at + immediate.offset)] == nil
                {
                    let lines = self.lines ?? DebugLineTable()
                    var value: UInt64 = 0
                    for i in 0..<immediate.size { value |= UInt64(code[at + immediate.offset + i]) << UInt64(8 * i) }
                    // The line of this instruction when it sets up a call with a `line:` argument,
                    // then the call lines of inlined functions with a `line` parameter, outermost first.
                    let rowLine = nextCallTakesLine[index] ? lines.line(section: section, offset: UInt64(at)) ?? 0 : 0
                    let candidates = [rowLine] + inlining.callLines(section: section, offset: UInt64(at))
                    if exactLines.contains(index) {
                        for i in 0..<immediate.size { bytes[at + immediate.offset - Int(extent.lowerBound) + i] = 0 }
                        marks.append(Mark(offset: UInt64(at + immediate.offset), kind: .lineNumber, type: 0xffff))
                    } else if value > 0, value <= UInt64(UInt32.max),
                        let which = candidates.firstIndex(of: UInt32(truncatingIfNeeded: value))
                    {
                        for i in 0..<immediate.size { bytes[at + immediate.offset - Int(extent.lowerBound) + i] = 0 }
                        marks.append(
                            Mark(offset: UInt64(at + immediate.offset), kind: .lineNumber, type: UInt32(which))
                        )
                    }
                }
            }
            return (complete, instructions)
        }

        /// Whether a mangled Swift function name has an argument labelled `line` (the label
        /// list spells it `4line`, not preceded by another digit).
        static func takesLineArgument(_ name: String) -> Bool {
            guard name.hasPrefix("$s") else { return false }
            let utf8 = Array(name.utf8)
            var index = 0
            while index + 5 <= utf8.count {
                if utf8[index] == UInt8(ascii: "4"), utf8[index + 1] == UInt8(ascii: "l"),
                    utf8[index + 2] == UInt8(ascii: "i"),
                    utf8[index + 3] == UInt8(ascii: "n"), utf8[index + 4] == UInt8(ascii: "e"),
                    index == 0 || !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[index - 1])
                {
                    return true
                }
                index += 1
            }
            return false
        }

        /// Resolves AArch64 branches (B, BL, B.cond, CBZ, CBNZ, TBZ, TBNZ), ADR and LDR
        /// (literal) that leave the symbol without a relocation.
        func normaliseAArch64(
            _ extent: Range<UInt64>,
            section: Int,
            patched: Set<UInt64>,
            bytes: inout [UInt8],
            marks: inout [Mark]
        ) {
            var at = 0
            while at + 4 <= bytes.count {
                defer { at += 4 }
                let place = extent.lowerBound + UInt64(at)
                guard !patched.contains(place) else { continue }
                let word =
                    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                    | UInt32(bytes[at + 3]) << 24
                var mask: UInt32 = 0
                var displacement: Int64 = 0
                func signed(_ value: UInt32, bits: Int) -> Int64 {
                    Int64(Int32(bitPattern: value << UInt32(32 - bits)) >> Int32(32 - bits))
                }
                if word & 0x7c00_0000 == 0x1400_0000 {  // B, BL
                    mask = 0x03ff_ffff
                    displacement = signed(word & mask, bits: 26) * 4
                } else if word & 0xff00_0010 == 0x5400_0000 || word & 0x7e00_0000 == 0x3400_0000
                    || word & 0x3b00_0000 == 0x1800_0000
                {  // B.cond, CBZ/CBNZ, LDR (literal)
                    mask = 0x00ff_ffe0
                    displacement = signed((word & mask) >> 5, bits: 19) * 4
                } else if word & 0x7e00_0000 == 0x3600_0000 {  // TBZ, TBNZ
                    mask = 0x0007_ffe0
                    displacement = signed((word & mask) >> 5, bits: 14) * 4
                } else if word & 0x9f00_0000 == 0x1000_0000 {  // ADR
                    mask = 0x60ff_ffe0
                    displacement = signed(((word >> 5) & 0x7ffff) << 2 | (word >> 29) & 3, bits: 21)
                } else {
                    continue
                }
                let target = UInt64(bitPattern: Int64(bitPattern: place) &+ displacement)
                guard !extent.contains(target) else { continue }
                let cleared = word & ~mask
                for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: cleared >> UInt32(8 * i)) }
                marks.append(
                    Mark(
                        offset: place,
                        kind: .resolvedBranch,
                        type: 4,
                        identity: resolvedTarget(section: section, offset: target)
                    )
                )
            }
        }

        /// The identity of a PC-relative target the assembler or linker resolved, given as an
        /// offset from the start of the referring section. In a relocatable object the
        /// target is in that section; in a linked file it may be in any section, found by
        /// its virtual address.
        func resolvedTarget(section: Int, offset: UInt64) -> Identity {
            guard file.header.type != .relocatable else {
                return location(SectionIndex(rawValue: UInt32(section)), offset, depth: 0)
            }
            let address = file.sections[section].address &+ offset
            guard
                let owner = file.sections.first(where: {
                    $0.flags.contains(.alloc) && $0.address <= address && address < $0.address &+ $0.size
                })
            else { return .absolute(address) }
            return location(SectionIndex(rawValue: UInt32(owner.index)), address - owner.address, depth: 0)
        }

        /// `.L.str:` and the string `symbol` starts, its path normalised.
        func localStringName(_ symbol: ELFSymbol) -> String {
            let section = file.sections[Int(symbol.section.rawValue)]
            guard section.hasContents, symbol.value < section.size else { return symbol.name }
            let start = section.fileRange.lowerBound + Int(symbol.value)
            var end = start
            while end < section.fileRange.upperBound, file.storage.u8(end) != 0 { end += 1 }
            return ".L.str:" + String(decoding: normalisedPath(Array(file.storage.buffer(start..<end))), as: UTF8.self)
        }

        /// Whether `symbol` is a local symbol in a mergeable string section.
        func isLocalString(_ symbol: ELFSymbol) -> Bool {
            guard symbol.binding == .local, symbol.section.isSection,
                Int(symbol.section.rawValue) < file.sections.count
            else { return false }
            let flags = file.sections[Int(symbol.section.rawValue)].flags
            return flags.contains(.merge) && flags.contains(.strings)
        }

        /// `string` with a leading ``Options-swift.struct/pathPrefixes`` entry (followed by
        /// `/`) replaced by `<path N>`.
        func normalisedPath(_ string: [UInt8]) -> [UInt8] {
            for (index, prefix) in options.pathPrefixes.enumerated() where !prefix.isEmpty {
                let bytes = Array(prefix.utf8)
                if string.count > bytes.count, string.starts(with: bytes), string[bytes.count] == UInt8(ascii: "/") {
                    return Array("<path \(index)>".utf8) + string[bytes.count...]
                }
            }
            return string
        }

        /// What lies at `offset` in `section`, as an identity that does not depend on where
        /// the section's other contents are.
        func location(_ section: SectionIndex, _ offset: UInt64, depth: Int) -> Identity {
            guard section.isSection, Int(section.rawValue) < file.sections.count else { return .absolute(offset) }
            let sectionIndex = Int(section.rawValue)
            let target = file.sections[sectionIndex]
            if target.flags.contains(.merge), target.hasContents, offset < target.size {
                let start = target.fileRange.lowerBound + Int(offset)
                if target.flags.contains(.strings) {
                    var end = start
                    while end < target.fileRange.upperBound, file.storage.u8(end) != 0 { end += 1 }
                    return .string(normalisedPath(Array(file.storage.buffer(start..<end))))
                }
                let size = max(Int(target.entrySize), 1)
                return .constant(Array(file.storage.buffer(start..<min(start + size, target.fileRange.upperBound))))
            }
            if let symbol = index.symbol(in: sectionIndex, at: offset) {
                return .symbol(symbol.name, delta: offset &- symbol.value)
            }
            guard offset < target.size else {  // past the end: only its place can be told
                return .anonymous(section: target.name, contents: nil, delta: offset, names: [])
            }
            let piece = index.piece(in: sectionIndex, at: offset)
            guard depth == 0, target.hasContents else {
                return .anonymous(section: target.name, contents: nil, delta: offset &- piece.lowerBound, names: [])
            }
            let (contents, names) = pieceFingerprint(sectionIndex, piece)
            return .anonymous(section: target.name, contents: contents, delta: offset &- piece.lowerBound, names: names)
        }

        /// The fingerprint of an anonymous piece of data, its relocations resolved one level
        /// deep, and the named symbols they refer to.
        func pieceFingerprint(_ sectionIndex: Int, _ piece: Range<UInt64>) -> (Fingerprint, [String]) {
            let section = file.sections[sectionIndex]
            let start = section.fileRange.lowerBound
            var bytes = Array(file.storage.buffer(start + Int(piece.lowerBound)..<start + Int(piece.upperBound)))
            var hasher = StableHasher()
            var identities: [(UInt64, UInt32, Identity)] = []
            for patch in index.patches(in: sectionIndex, piece) {
                let relocation = patch.relocation
                let at = Int(relocation.offset - piece.lowerBound)
                if let layout = relocation.type.patch, at + layout.size <= bytes.count {
                    for i in 0..<layout.size {
                        bytes[at + i] &= ~UInt8(truncatingIfNeeded: layout.mask >> UInt64(8 * i))
                    }
                }
                let symbol = index.symbols[relocation.symbolIndex]
                let identity: Identity
                if symbol.type == .section || symbol.name.isEmpty {
                    var target = symbol.value &+ UInt64(bitPattern: relocation.addend)
                    // A jump table's entry, `.long .LBB - .LJTI`, is relative to the table's
                    // start, not to itself: the assembler adds the entry's distance from the
                    // start to the addend, which must come off to find the block it names.
                    if relocation.type.patch?.isPCRelative == true, symbol.section.isSection,
                        Int(symbol.section.rawValue) < file.sections.count,
                        file.sections[Int(symbol.section.rawValue)].flags.contains(.executable)
                    {
                        target &-= relocation.offset &- piece.lowerBound
                    }
                    identity = location(symbol.section, target, depth: 1)
                } else {
                    identity = .named(symbol.name, addend: relocation.addend)
                }
                identities.append((relocation.offset - piece.lowerBound, relocation.type.rawValue, identity))
            }
            hasher.combine(bytes: bytes)
            var names: [String] = []
            for (offset, type, identity) in identities {
                hasher.combine(offset)
                hasher.combine(type)
                identity.hash(into: &hasher)
                names += identity.referencedNames
            }
            return (hasher.finalize(), names)
        }
    }
}
