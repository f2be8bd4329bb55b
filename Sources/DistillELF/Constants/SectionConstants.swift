//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Section type

/// The type of an ELF section header (`sh_type`).
public struct SectionType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// An unused section header. The corresponding C constant is `SHT_NULL`.
    public static var null: Self { Self(rawValue: 0) }
    /// Bytes whose meaning the program defines (code, data). The corresponding C constant is `SHT_PROGBITS`.
    public static var programBits: Self { Self(rawValue: 1) }
    /// The full symbol table. The corresponding C constant is `SHT_SYMTAB`.
    public static var symbolTable: Self { Self(rawValue: 2) }
    /// A string table. The corresponding C constant is `SHT_STRTAB`.
    public static var stringTable: Self { Self(rawValue: 3) }
    /// Relocations with explicit addends. The corresponding C constant is `SHT_RELA`.
    public static var relocationsWithAddends: Self { Self(rawValue: 4) }
    /// A symbol hash table. The corresponding C constant is `SHT_HASH`.
    public static var hash: Self { Self(rawValue: 5) }
    /// Dynamic linking information. The corresponding C constant is `SHT_DYNAMIC`.
    public static var dynamic: Self { Self(rawValue: 6) }
    /// Notes. The corresponding C constant is `SHT_NOTE`.
    public static var note: Self { Self(rawValue: 7) }
    /// Space that occupies no bytes in the file (`.bss`). The corresponding C constant is `SHT_NOBITS`.
    public static var noBits: Self { Self(rawValue: 8) }
    /// Relocations without explicit addends. The corresponding C constant is `SHT_REL`.
    public static var relocations: Self { Self(rawValue: 9) }
    /// The dynamic linking symbol table. The corresponding C constant is `SHT_DYNSYM`.
    public static var dynamicSymbols: Self { Self(rawValue: 11) }
    /// Initialisation function pointers. The corresponding C constant is `SHT_INIT_ARRAY`.
    public static var initArray: Self { Self(rawValue: 14) }
    /// Termination function pointers. The corresponding C constant is `SHT_FINI_ARRAY`.
    public static var finiArray: Self { Self(rawValue: 15) }
    /// Pre-initialisation function pointers. The corresponding C constant is `SHT_PREINIT_ARRAY`.
    public static var preinitArray: Self { Self(rawValue: 16) }
    /// A section group (COMDAT). The corresponding C constant is `SHT_GROUP`.
    public static var group: Self { Self(rawValue: 17) }
    /// Extended section indices for a symbol table. The corresponding C constant is `SHT_SYMTAB_SHNDX`.
    public static var symbolTableSectionIndices: Self { Self(rawValue: 18) }
    /// Compact relative relocations. The corresponding C constant is `SHT_RELR`.
    public static var relativeRelocations: Self { Self(rawValue: 19) }
    /// LLVM's address-significance table. The corresponding C constant is `SHT_LLVM_ADDRSIG`.
    public static var llvmAddressSignificance: Self { Self(rawValue: 0x6fff_4c03) }
    /// GNU object attributes. The corresponding C constant is `SHT_GNU_ATTRIBUTES`.
    public static var gnuAttributes: Self { Self(rawValue: 0x6fff_fff5) }
    /// The GNU-style symbol hash table. The corresponding C constant is `SHT_GNU_HASH`.
    public static var gnuHash: Self { Self(rawValue: 0x6fff_fff6) }
    /// Version definitions. The corresponding C constant is `SHT_GNU_verdef`.
    public static var gnuVersionDefinitions: Self { Self(rawValue: 0x6fff_fffd) }
    /// Version needs. The corresponding C constant is `SHT_GNU_verneed`.
    public static var gnuVersionNeeds: Self { Self(rawValue: 0x6fff_fffe) }
    /// Symbol versions. The corresponding C constant is `SHT_GNU_versym`.
    public static var gnuVersionSymbols: Self { Self(rawValue: 0x6fff_ffff) }
    /// x86-64 unwind tables. The corresponding C constant is `SHT_X86_64_UNWIND`.
    public static var x86_64Unwind: Self { Self(rawValue: 0x7000_0001) }

    public var description: String {
        constantDescription(
            "SectionType",
            rawValue,
            [
                0: "SHT_NULL", 1: "SHT_PROGBITS", 2: "SHT_SYMTAB", 3: "SHT_STRTAB", 4: "SHT_RELA", 5: "SHT_HASH",
                6: "SHT_DYNAMIC", 7: "SHT_NOTE", 8: "SHT_NOBITS", 9: "SHT_REL", 11: "SHT_DYNSYM",
                14: "SHT_INIT_ARRAY", 15: "SHT_FINI_ARRAY", 16: "SHT_PREINIT_ARRAY", 17: "SHT_GROUP",
                18: "SHT_SYMTAB_SHNDX", 19: "SHT_RELR", 0x6fff_4c03: "SHT_LLVM_ADDRSIG",
                0x6fff_fff5: "SHT_GNU_ATTRIBUTES", 0x6fff_fff6: "SHT_GNU_HASH", 0x6fff_fffd: "SHT_GNU_verdef",
                0x6fff_fffe: "SHT_GNU_verneed", 0x6fff_ffff: "SHT_GNU_versym", 0x7000_0001: "SHT_X86_64_UNWIND",
            ]
        )
    }
}

// MARK: - Section flags

/// The attribute bits of a section (`sh_flags`).
public struct SectionFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Writable at run time. The corresponding C constant is `SHF_WRITE`.
    public static var write: Self { Self(rawValue: 0x1) }
    /// Occupies memory at run time. The corresponding C constant is `SHF_ALLOC`.
    public static var alloc: Self { Self(rawValue: 0x2) }
    /// Holds machine code. The corresponding C constant is `SHF_EXECINSTR`.
    public static var executable: Self { Self(rawValue: 0x4) }
    /// Elements may be merged with equal ones (`sh_entsize` gives their size).
    /// The corresponding C constant is `SHF_MERGE`.
    public static var merge: Self { Self(rawValue: 0x10) }
    /// Elements are NUL-terminated strings. The corresponding C constant is `SHF_STRINGS`.
    public static var strings: Self { Self(rawValue: 0x20) }
    /// `sh_info` holds a section index. The corresponding C constant is `SHF_INFO_LINK`.
    public static var infoLink: Self { Self(rawValue: 0x40) }
    /// Must stay in the order of the section it links to. The corresponding C constant is `SHF_LINK_ORDER`.
    public static var linkOrder: Self { Self(rawValue: 0x80) }
    /// Needs OS-specific processing. The corresponding C constant is `SHF_OS_NONCONFORMING`.
    public static var osNonconforming: Self { Self(rawValue: 0x100) }
    /// Member of a section group. The corresponding C constant is `SHF_GROUP`.
    public static var group: Self { Self(rawValue: 0x200) }
    /// Thread-local storage. The corresponding C constant is `SHF_TLS`.
    public static var threadLocal: Self { Self(rawValue: 0x400) }
    /// Compressed contents. The corresponding C constant is `SHF_COMPRESSED`.
    public static var compressed: Self { Self(rawValue: 0x800) }
    /// Kept by the linker's garbage collection. The corresponding C constant is `SHF_GNU_RETAIN`.
    public static var gnuRetain: Self { Self(rawValue: 0x20_0000) }
    /// Left out of the linked output. The corresponding C constant is `SHF_EXCLUDE`.
    public static var exclude: Self { Self(rawValue: 0x8000_0000) }

    public var description: String {
        flagsDescription(
            rawValue,
            [
                (0x1, "SHF_WRITE"), (0x2, "SHF_ALLOC"), (0x4, "SHF_EXECINSTR"), (0x10, "SHF_MERGE"),
                (0x20, "SHF_STRINGS"), (0x40, "SHF_INFO_LINK"), (0x80, "SHF_LINK_ORDER"),
                (0x100, "SHF_OS_NONCONFORMING"), (0x200, "SHF_GROUP"), (0x400, "SHF_TLS"),
                (0x800, "SHF_COMPRESSED"), (0x20_0000, "SHF_GNU_RETAIN"), (0x8000_0000, "SHF_EXCLUDE"),
            ]
        )
    }
}

// MARK: - Section index

/// A section index as symbols hold it (`st_shndx`), with its reserved values.
///
/// Indices at or above `SHN_LORESERVE` are special; the reader resolves `SHN_XINDEX`
/// through `SHT_SYMTAB_SHNDX`, so a ``ELFSymbol`` never holds ``extended``.
public struct SectionIndex: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// An undefined symbol. The corresponding C constant is `SHN_UNDEF`.
    public static var undefined: Self { Self(rawValue: 0) }
    /// An absolute value, not relative to any section. The corresponding C constant is `SHN_ABS`.
    public static var absolute: Self { Self(rawValue: 0xfff1) }
    /// A common block not yet allocated. The corresponding C constant is `SHN_COMMON`.
    public static var common: Self { Self(rawValue: 0xfff2) }
    /// The real index is in the extended index table. The corresponding C constant is `SHN_XINDEX`.
    public static var extended: Self { Self(rawValue: 0xffff) }

    /// Whether this is the index of a real section rather than a reserved value.
    public var isSection: Bool { rawValue != 0 && (rawValue < 0xff00 || rawValue > 0xffff) }

    public var description: String {
        constantDescription(
            "SectionIndex",
            rawValue,
            [0: "SHN_UNDEF", 0xfff1: "SHN_ABS", 0xfff2: "SHN_COMMON", 0xffff: "SHN_XINDEX"]
        )
    }
}
