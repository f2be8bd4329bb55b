//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What fingerprinting needs to know about one x86-64 instruction: its length, and where
/// its PC-relative fields and its immediate are.
struct X86Instruction: Sendable {
    enum Kind: Hashable, Sendable { case call, jump, conditionalJump, other }

    /// The number of bytes the instruction occupies (1 to 15).
    var length: Int
    var kind: Kind = .other
    /// A branch displacement (rel8 or rel32): offset from the instruction's start, and size.
    var branch: (offset: Int, size: Int)?
    /// A RIP-relative memory operand's 32-bit displacement: offset from the instruction's start.
    var ripDisplacement: Int?
    /// The immediate operand: offset from the instruction's start, and size.
    var immediate: (offset: Int, size: Int)?
}

/// A length decoder for 64-bit mode x86 code (legacy prefixes, REX, the one-, two- and
/// three-byte opcode maps, VEX and EVEX), enough to find every instruction boundary and
/// the fields that hold addresses and constants. It does not tell instructions apart
/// beyond that.
enum X86InstructionDecoder {
    private enum Operand: UInt8 {
        case none, byte, word, wordOrDword, any, offset, enter, rel8, rel32, group3Byte, group3Word
        case invalid, prefix, rex, escape, vex2, vex3, evex
    }

    private struct Entry {
        var hasModRM: Bool
        var operand: Operand
    }

    private static let oneByte: [Entry] = {
        var table = [Entry](repeating: Entry(hasModRM: false, operand: .none), count: 256)
        func set(_ range: ClosedRange<Int>, _ modrm: Bool, _ operand: Operand) {
            for opcode in range { table[opcode] = Entry(hasModRM: modrm, operand: operand) }
        }
        // ALU blocks: op r/m,r; op r,r/m; op al,ib; op eax,iz
        for base in stride(from: 0x00, through: 0x38, by: 8) {
            set(base...base + 3, true, .none)
            set(base + 4...base + 4, false, .byte)
            set(base + 5...base + 5, false, .wordOrDword)
        }
        for invalid in [
            0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x82, 0x9a,
            0xce, 0xd4, 0xd5, 0xd6, 0xea,
        ] {
            set(invalid...invalid, false, .invalid)
        }
        for prefix in [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3] {
            set(prefix...prefix, false, .prefix)
        }
        set(0x0f...0x0f, false, .escape)
        set(0x40...0x4f, false, .rex)
        set(0x62...0x62, false, .evex)
        set(0x63...0x63, true, .none)
        set(0x68...0x68, false, .wordOrDword)
        set(0x69...0x69, true, .wordOrDword)
        set(0x6a...0x6a, false, .byte)
        set(0x6b...0x6b, true, .byte)
        set(0x70...0x7f, false, .rel8)
        set(0x80...0x80, true, .byte)
        set(0x81...0x81, true, .wordOrDword)
        set(0x83...0x83, true, .byte)
        set(0x84...0x8f, true, .none)
        set(0xa0...0xa3, false, .offset)
        set(0xa8...0xa8, false, .byte)
        set(0xa9...0xa9, false, .wordOrDword)
        set(0xb0...0xb7, false, .byte)
        set(0xb8...0xbf, false, .any)
        set(0xc0...0xc1, true, .byte)
        set(0xc2...0xc2, false, .word)
        set(0xc4...0xc4, false, .vex3)
        set(0xc5...0xc5, false, .vex2)
        set(0xc6...0xc6, true, .byte)
        set(0xc7...0xc7, true, .wordOrDword)
        set(0xc8...0xc8, false, .enter)
        set(0xca...0xca, false, .word)
        set(0xcd...0xcd, false, .byte)
        set(0xd0...0xd3, true, .none)
        set(0xd8...0xdf, true, .none)
        set(0xe0...0xe3, false, .rel8)
        set(0xe4...0xe7, false, .byte)
        set(0xe8...0xe9, false, .rel32)
        set(0xeb...0xeb, false, .rel8)
        set(0xf6...0xf6, true, .group3Byte)
        set(0xf7...0xf7, true, .group3Word)
        set(0xfe...0xff, true, .none)
        return table
    }()

    private static let twoByte: [Entry] = {
        var table = [Entry](repeating: Entry(hasModRM: true, operand: .none), count: 256)
        func set(_ range: ClosedRange<Int>, _ modrm: Bool, _ operand: Operand) {
            for opcode in range { table[opcode] = Entry(hasModRM: modrm, operand: operand) }
        }
        for opcode in [
            0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0xa6,
            0xa7,
        ] {
            set(opcode...opcode, false, .invalid)
        }
        set(0x05...0x09, false, .none)  // syscall, clts, sysret, invd, wbinvd
        set(0x0b...0x0b, false, .none)  // ud2
        set(0x0e...0x0e, false, .none)  // femms
        set(0x0f...0x0f, true, .byte)  // 3DNow!: the suffix byte
        set(0x30...0x35, false, .none)  // wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit
        set(0x37...0x37, false, .none)  // getsec
        set(0x38...0x38, false, .escape)
        set(0x3a...0x3a, false, .escape)
        set(0x70...0x73, true, .byte)
        set(0x77...0x77, false, .none)  // emms
        set(0x80...0x8f, false, .rel32)
        set(0xa0...0xa2, false, .none)  // push fs, pop fs, cpuid
        set(0xa4...0xa4, true, .byte)
        set(0xa8...0xaa, false, .none)  // push gs, pop gs, rsm
        set(0xac...0xac, true, .byte)
        set(0xba...0xba, true, .byte)
        set(0xc2...0xc2, true, .byte)
        set(0xc4...0xc6, true, .byte)
        set(0xc8...0xcf, false, .none)  // bswap
        return table
    }()

    /// Decodes the instruction starting at `start`, not reading at or past `end`.
    /// Returns `nil` for bytes that are not a valid 64-bit mode instruction or that run
    /// past `end`.
    static func decode(_ code: UnsafeRawBufferPointer, at start: Int, end: Int) -> X86Instruction? {
        let limit = min(end, code.count, start + 15)
        var p = start
        @inline(__always) func next() -> UInt8? {
            guard p < limit else { return nil }
            defer { p += 1 }
            return code[p]
        }
        var operandSize16 = false
        var addressSize32 = false
        var rexW = false
        var opcode: UInt8
        // Prefixes; a REX prefix counts only right before the opcode.
        while true {
            guard let byte = next() else { return nil }
            switch oneByte[Int(byte)].operand {
            case .prefix:
                if byte == 0x66 { operandSize16 = true }
                if byte == 0x67 { addressSize32 = true }
                rexW = false
                continue
            case .rex:
                rexW = byte & 0x08 != 0
                continue
            default:
                opcode = byte
            }
            break
        }
        var instruction = X86Instruction(length: 0)
        var entry = oneByte[Int(opcode)]
        var vexImmediate = false
        switch entry.operand {
        case .invalid, .prefix, .rex:
            return nil
        case .escape:
            guard let second = next() else { return nil }
            if second == 0x38 {
                guard next() != nil else { return nil }
                entry = Entry(hasModRM: true, operand: .none)
            } else if second == 0x3a {
                guard next() != nil else { return nil }
                entry = Entry(hasModRM: true, operand: .byte)
            } else {
                entry = twoByte[Int(second)]
                if entry.operand == .invalid { return nil }
                if entry.operand == .rel32 { instruction.kind = .conditionalJump }
            }
        case .vex2, .vex3, .evex:
            var map: UInt8 = 1
            if entry.operand == .vex2 {
                guard next() != nil else { return nil }
            } else if entry.operand == .vex3 {
                guard let p0 = next(), next() != nil else { return nil }
                map = p0 & 0x1f
            } else {
                guard let p0 = next(), next() != nil, next() != nil else { return nil }
                map = p0 & 0x07
            }
            guard let vexOpcode = next() else { return nil }
            switch map {
            case 1: vexImmediate = [0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6].contains(vexOpcode)
            case 3: vexImmediate = true
            case 2, 5, 6, 7: vexImmediate = false
            default: return nil
            }
            let hasModRM = !(map == 1 && vexOpcode == 0x77)  // vzeroupper, vzeroall
            entry = Entry(hasModRM: hasModRM, operand: vexImmediate ? .byte : .none)
        default:
            switch opcode {
            case 0xe8: instruction.kind = .call
            case 0xe9, 0xeb: instruction.kind = .jump
            case 0x70...0x7f, 0xe0...0xe3: instruction.kind = .conditionalJump
            default: break
            }
        }
        var modrmReg: UInt8 = 0
        if entry.hasModRM {
            guard let modrm = next() else { return nil }
            let mod = modrm >> 6
            let rm = modrm & 7
            modrmReg = (modrm >> 3) & 7
            if mod != 3 {
                var displacement = mod == 1 ? 1 : (mod == 2 ? 4 : 0)
                if rm == 4 {
                    guard let sib = next() else { return nil }
                    if mod == 0 && sib & 7 == 5 { displacement = 4 }
                } else if mod == 0 && rm == 5 {
                    instruction.ripDisplacement = p - start
                    displacement = 4
                }
                p += displacement
                guard p <= limit else { return nil }
            }
        }
        var immediateSize = 0
        switch entry.operand {
        case .byte: immediateSize = 1
        case .word: immediateSize = 2
        case .wordOrDword: immediateSize = operandSize16 ? 2 : 4
        case .any: immediateSize = rexW ? 8 : (operandSize16 ? 2 : 4)
        case .offset: immediateSize = addressSize32 ? 4 : 8
        case .enter: immediateSize = 3
        case .group3Byte: immediateSize = modrmReg < 2 ? 1 : 0
        case .group3Word: immediateSize = modrmReg < 2 ? (operandSize16 ? 2 : 4) : 0
        case .rel8:
            instruction.branch = (p - start, 1)
            p += 1
        case .rel32:
            instruction.branch = (p - start, 4)
            p += 4
        default: break
        }
        if immediateSize > 0 {
            instruction.immediate = (p - start, immediateSize)
            p += immediateSize
        }
        guard p <= limit else { return nil }
        instruction.length = p - start
        return instruction
    }
}
