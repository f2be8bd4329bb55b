//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The type of a relocation (`ELF64_R_TYPE`), which means different things on each machine.
///
/// Known x86-64 and AArch64 types have names (`RelocationType.X86_64.pc32`,
/// `RelocationType.AArch64.call26`); others print as
/// `RelocationType(machine: EM_RISCV, rawValue: 0x13)`.
public struct RelocationType: Hashable, Sendable, CustomStringConvertible {
    /// The machine whose relocation numbering `rawValue` follows.
    public var machine: Machine
    /// The number in the relocation entry.
    public var rawValue: UInt32

    public init(machine: Machine, rawValue: UInt32) {
        self.machine = machine
        self.rawValue = rawValue
    }

    public var description: String {
        if let info = RelocationType.table[self] { return info.name }
        return "RelocationType(machine: \(machine), rawValue: 0x\(String(rawValue, radix: 16)))"
    }

    /// How the relocation patches its place, for the types this reader knows.
    var patch: RelocationPatch? { RelocationType.table[self]?.patch }
}

/// Where a relocation writes and how its value relates to the place.
struct RelocationPatch: Hashable, Sendable {
    /// Bytes the relocation covers at `r_offset`.
    var size: Int
    /// The bits of those bytes (read little-endian) that the relocation writes; the rest is
    /// the instruction's own encoding.
    var mask: UInt64
    /// Whether the value is relative to the place (the program counter).
    var isPCRelative: Bool

    static func bytes(_ size: Int, pcRelative: Bool = false) -> Self {
        Self(size: size, mask: size == 8 ? .max : (1 << UInt64(size * 8)) - 1, isPCRelative: pcRelative)
    }
    static func instruction(_ mask: UInt32, pcRelative: Bool = false) -> Self {
        Self(size: 4, mask: UInt64(mask), isPCRelative: pcRelative)
    }
}

// MARK: - x86-64

extension RelocationType {
    /// x86-64 relocation types (System V AMD64 psABI).
    public enum X86_64 {
        private static func type(_ raw: UInt32) -> RelocationType { RelocationType(machine: .x86_64, rawValue: raw) }
        /// No relocation. The corresponding C constant is `R_X86_64_NONE`.
        public static var none: RelocationType { type(0) }
        /// S + A, 64 bits. The corresponding C constant is `R_X86_64_64`.
        public static var absolute64: RelocationType { type(1) }
        /// S + A - P, 32 bits. The corresponding C constant is `R_X86_64_PC32`.
        public static var pc32: RelocationType { type(2) }
        /// L + A - P through the PLT, 32 bits. The corresponding C constant is `R_X86_64_PLT32`.
        public static var plt32: RelocationType { type(4) }
        /// G + GOT + A - P, 32 bits. The corresponding C constant is `R_X86_64_GOTPCREL`.
        public static var gotPCRelative: RelocationType { type(9) }
        /// S + A, 32 bits, zero-extended. The corresponding C constant is `R_X86_64_32`.
        public static var absolute32: RelocationType { type(10) }
        /// S + A, 32 bits, sign-extended. The corresponding C constant is `R_X86_64_32S`.
        public static var absolute32Signed: RelocationType { type(11) }
        /// B + A, set by the dynamic linker. The corresponding C constant is `R_X86_64_RELATIVE`.
        public static var relative: RelocationType { type(8) }
        /// S, a GOT entry, set by the dynamic linker. The corresponding C constant is `R_X86_64_GLOB_DAT`.
        public static var globalData: RelocationType { type(6) }
        /// S, a PLT slot, set by the dynamic linker. The corresponding C constant is `R_X86_64_JUMP_SLOT`.
        public static var jumpSlot: RelocationType { type(7) }
        /// A relaxable GOTPCREL. The corresponding C constant is `R_X86_64_GOTPCRELX`.
        public static var gotPCRelativeRelaxable: RelocationType { type(41) }
        /// A relaxable GOTPCREL with a REX prefix. The corresponding C constant is `R_X86_64_REX_GOTPCRELX`.
        public static var rexGOTPCRelativeRelaxable: RelocationType { type(42) }
    }
}

// MARK: - AArch64

extension RelocationType {
    /// AArch64 relocation types (ELF for the Arm 64-bit Architecture).
    public enum AArch64 {
        private static func type(_ raw: UInt32) -> RelocationType { RelocationType(machine: .aarch64, rawValue: raw) }
        /// S + A, 64 bits. The corresponding C constant is `R_AARCH64_ABS64`.
        public static var absolute64: RelocationType { type(257) }
        /// S + A - P, 32 bits. The corresponding C constant is `R_AARCH64_PREL32`.
        public static var pc32: RelocationType { type(261) }
        /// Page of S + A minus page of P, for ADRP. The corresponding C constant is `R_AARCH64_ADR_PREL_PG_HI21`.
        public static var adrPage: RelocationType { type(275) }
        /// Low 12 bits of S + A, for ADD. The corresponding C constant is `R_AARCH64_ADD_ABS_LO12_NC`.
        public static var addLow12: RelocationType { type(277) }
        /// S + A - P, for B. The corresponding C constant is `R_AARCH64_JUMP26`.
        public static var jump26: RelocationType { type(282) }
        /// S + A - P, for BL. The corresponding C constant is `R_AARCH64_CALL26`.
        public static var call26: RelocationType { type(283) }
        /// Page of the GOT entry, for ADRP. The corresponding C constant is `R_AARCH64_ADR_GOT_PAGE`.
        public static var gotPage: RelocationType { type(311) }
        /// Low 12 bits of the GOT entry, for LDR. The corresponding C constant is `R_AARCH64_LD64_GOT_LO12_NC`.
        public static var gotLow12: RelocationType { type(312) }
        /// B + A, set by the dynamic linker. The corresponding C constant is `R_AARCH64_RELATIVE`.
        public static var relative: RelocationType { type(1027) }
    }
}

// MARK: - The table

extension RelocationType {
    struct Info: Sendable {
        var name: String
        var patch: RelocationPatch?
    }

    static let table: [RelocationType: Info] = {
        var table: [RelocationType: Info] = [:]
        func add(_ machine: Machine, _ raw: UInt32, _ name: String, _ patch: RelocationPatch?) {
            table[RelocationType(machine: machine, rawValue: raw)] = Info(name: name, patch: patch)
        }
        // x86-64: every field is whole bytes.
        let x86: [(UInt32, String, Int, Bool)] = [
            (0, "R_X86_64_NONE", 0, false), (1, "R_X86_64_64", 8, false), (2, "R_X86_64_PC32", 4, true),
            (3, "R_X86_64_GOT32", 4, false), (4, "R_X86_64_PLT32", 4, true), (5, "R_X86_64_COPY", 0, false),
            (6, "R_X86_64_GLOB_DAT", 8, false), (7, "R_X86_64_JUMP_SLOT", 8, false),
            (8, "R_X86_64_RELATIVE", 8, false), (9, "R_X86_64_GOTPCREL", 4, true), (10, "R_X86_64_32", 4, false),
            (11, "R_X86_64_32S", 4, false), (12, "R_X86_64_16", 2, false), (13, "R_X86_64_PC16", 2, true),
            (14, "R_X86_64_8", 1, false), (15, "R_X86_64_PC8", 1, true), (16, "R_X86_64_DTPMOD64", 8, false),
            (17, "R_X86_64_DTPOFF64", 8, false), (18, "R_X86_64_TPOFF64", 8, false),
            (19, "R_X86_64_TLSGD", 4, true), (20, "R_X86_64_TLSLD", 4, true), (21, "R_X86_64_DTPOFF32", 4, false),
            (22, "R_X86_64_GOTTPOFF", 4, true), (23, "R_X86_64_TPOFF32", 4, false), (24, "R_X86_64_PC64", 8, true),
            (25, "R_X86_64_GOTOFF64", 8, false), (26, "R_X86_64_GOTPC32", 4, true), (27, "R_X86_64_GOT64", 8, false),
            (28, "R_X86_64_GOTPCREL64", 8, true), (29, "R_X86_64_GOTPC64", 8, true),
            (30, "R_X86_64_GOTPLT64", 8, false), (31, "R_X86_64_PLTOFF64", 8, false),
            (32, "R_X86_64_SIZE32", 4, false), (33, "R_X86_64_SIZE64", 8, false),
            (34, "R_X86_64_GOTPC32_TLSDESC", 4, true), (35, "R_X86_64_TLSDESC_CALL", 0, false),
            (36, "R_X86_64_TLSDESC", 8, false), (37, "R_X86_64_IRELATIVE", 8, false),
            (38, "R_X86_64_RELATIVE64", 8, false), (41, "R_X86_64_GOTPCRELX", 4, true),
            (42, "R_X86_64_REX_GOTPCRELX", 4, true), (43, "R_X86_64_CODE_4_GOTPCRELX", 4, true),
            (44, "R_X86_64_CODE_4_GOTTPOFF", 4, true), (45, "R_X86_64_CODE_4_GOTPC32_TLSDESC", 4, true),
        ]
        for (raw, name, size, pc) in x86 {
            add(.x86_64, raw, name, size == 0 ? nil : .bytes(size, pcRelative: pc))
        }
        // AArch64: data relocations cover whole bytes; instruction relocations cover
        // the immediate bits of one 32-bit instruction.
        let imm26: UInt32 = 0x03ff_ffff
        let imm19: UInt32 = 0x00ff_ffe0
        let imm14: UInt32 = 0x0007_ffe0
        let adr: UInt32 = 0x60ff_ffe0
        let imm12: UInt32 = 0x003f_fc00
        let imm16: UInt32 = 0x001f_ffe0
        let arm: [(UInt32, String, RelocationPatch?)] = [
            (0, "R_AARCH64_NONE", nil), (256, "R_AARCH64_NONE", nil),
            (257, "R_AARCH64_ABS64", .bytes(8)), (258, "R_AARCH64_ABS32", .bytes(4)),
            (259, "R_AARCH64_ABS16", .bytes(2)), (260, "R_AARCH64_PREL64", .bytes(8, pcRelative: true)),
            (261, "R_AARCH64_PREL32", .bytes(4, pcRelative: true)),
            (262, "R_AARCH64_PREL16", .bytes(2, pcRelative: true)),
            (263, "R_AARCH64_MOVW_UABS_G0", .instruction(imm16)),
            (264, "R_AARCH64_MOVW_UABS_G0_NC", .instruction(imm16)),
            (265, "R_AARCH64_MOVW_UABS_G1", .instruction(imm16)),
            (266, "R_AARCH64_MOVW_UABS_G1_NC", .instruction(imm16)),
            (267, "R_AARCH64_MOVW_UABS_G2", .instruction(imm16)),
            (268, "R_AARCH64_MOVW_UABS_G2_NC", .instruction(imm16)),
            (269, "R_AARCH64_MOVW_UABS_G3", .instruction(imm16)),
            (273, "R_AARCH64_LD_PREL_LO19", .instruction(imm19, pcRelative: true)),
            (274, "R_AARCH64_ADR_PREL_LO21", .instruction(adr, pcRelative: true)),
            (275, "R_AARCH64_ADR_PREL_PG_HI21", .instruction(adr, pcRelative: true)),
            (276, "R_AARCH64_ADR_PREL_PG_HI21_NC", .instruction(adr, pcRelative: true)),
            (277, "R_AARCH64_ADD_ABS_LO12_NC", .instruction(imm12)),
            (278, "R_AARCH64_LDST8_ABS_LO12_NC", .instruction(imm12)),
            (279, "R_AARCH64_TSTBR14", .instruction(imm14, pcRelative: true)),
            (280, "R_AARCH64_CONDBR19", .instruction(imm19, pcRelative: true)),
            (282, "R_AARCH64_JUMP26", .instruction(imm26, pcRelative: true)),
            (283, "R_AARCH64_CALL26", .instruction(imm26, pcRelative: true)),
            (284, "R_AARCH64_LDST16_ABS_LO12_NC", .instruction(imm12)),
            (285, "R_AARCH64_LDST32_ABS_LO12_NC", .instruction(imm12)),
            (286, "R_AARCH64_LDST64_ABS_LO12_NC", .instruction(imm12)),
            (299, "R_AARCH64_LDST128_ABS_LO12_NC", .instruction(imm12)),
            (311, "R_AARCH64_ADR_GOT_PAGE", .instruction(adr, pcRelative: true)),
            (312, "R_AARCH64_LD64_GOT_LO12_NC", .instruction(imm12)),
            (314, "R_AARCH64_PLT32", .bytes(4, pcRelative: true)),
            (513, "R_AARCH64_TLSGD_ADR_PAGE21", .instruction(adr, pcRelative: true)),
            (514, "R_AARCH64_TLSGD_ADD_LO12_NC", .instruction(imm12)),
            (541, "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21", .instruction(adr, pcRelative: true)),
            (542, "R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC", .instruction(imm12)),
            (549, "R_AARCH64_TLSLE_ADD_TPREL_HI12", .instruction(imm12)),
            (551, "R_AARCH64_TLSLE_ADD_TPREL_LO12_NC", .instruction(imm12)),
            (562, "R_AARCH64_TLSDESC_ADR_PAGE21", .instruction(adr, pcRelative: true)),
            (563, "R_AARCH64_TLSDESC_LD64_LO12", .instruction(imm12)),
            (564, "R_AARCH64_TLSDESC_ADD_LO12", .instruction(imm12)),
            (569, "R_AARCH64_TLSDESC_CALL", nil),
            (1024, "R_AARCH64_COPY", nil), (1025, "R_AARCH64_GLOB_DAT", .bytes(8)),
            (1026, "R_AARCH64_JUMP_SLOT", .bytes(8)), (1027, "R_AARCH64_RELATIVE", .bytes(8)),
            (1028, "R_AARCH64_TLS_DTPMOD64", .bytes(8)), (1029, "R_AARCH64_TLS_DTPREL64", .bytes(8)),
            (1030, "R_AARCH64_TLS_TPREL64", .bytes(8)), (1031, "R_AARCH64_TLSDESC", .bytes(8)),
            (1032, "R_AARCH64_IRELATIVE", .bytes(8)),
        ]
        for (raw, name, patch) in arm { add(.aarch64, raw, name, patch) }
        return table
    }()
}
