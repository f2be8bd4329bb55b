//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The tag of a dynamic section entry (`d_tag`).
public struct DynamicTag: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The end of the table. The corresponding C constant is `DT_NULL`.
    public static var null: Self { Self(rawValue: 0) }
    /// A needed library (string table offset). The corresponding C constant is `DT_NEEDED`.
    public static var needed: Self { Self(rawValue: 1) }
    /// Size of the PLT relocations. The corresponding C constant is `DT_PLTRELSZ`.
    public static var pltRelocationsSize: Self { Self(rawValue: 2) }
    /// Address of the PLT's GOT. The corresponding C constant is `DT_PLTGOT`.
    public static var pltGOT: Self { Self(rawValue: 3) }
    /// Address of the symbol hash table. The corresponding C constant is `DT_HASH`.
    public static var hash: Self { Self(rawValue: 4) }
    /// Address of the dynamic string table. The corresponding C constant is `DT_STRTAB`.
    public static var stringTable: Self { Self(rawValue: 5) }
    /// Address of the dynamic symbol table. The corresponding C constant is `DT_SYMTAB`.
    public static var symbolTable: Self { Self(rawValue: 6) }
    /// Address of the RELA relocations. The corresponding C constant is `DT_RELA`.
    public static var relocationsWithAddends: Self { Self(rawValue: 7) }
    /// Size of the RELA relocations. The corresponding C constant is `DT_RELASZ`.
    public static var relocationsWithAddendsSize: Self { Self(rawValue: 8) }
    /// Size of one RELA relocation. The corresponding C constant is `DT_RELAENT`.
    public static var relocationWithAddendEntrySize: Self { Self(rawValue: 9) }
    /// Size of the dynamic string table. The corresponding C constant is `DT_STRSZ`.
    public static var stringTableSize: Self { Self(rawValue: 10) }
    /// Size of one symbol table entry. The corresponding C constant is `DT_SYMENT`.
    public static var symbolEntrySize: Self { Self(rawValue: 11) }
    /// Address of the initialisation function. The corresponding C constant is `DT_INIT`.
    public static var initFunction: Self { Self(rawValue: 12) }
    /// Address of the termination function. The corresponding C constant is `DT_FINI`.
    public static var finiFunction: Self { Self(rawValue: 13) }
    /// The shared object's name (string table offset). The corresponding C constant is `DT_SONAME`.
    public static var sharedObjectName: Self { Self(rawValue: 14) }
    /// Library search path, searched before `LD_LIBRARY_PATH` (deprecated). The corresponding C constant is `DT_RPATH`.
    public static var rpath: Self { Self(rawValue: 15) }
    /// Resolve symbols here first. The corresponding C constant is `DT_SYMBOLIC`.
    public static var symbolic: Self { Self(rawValue: 16) }
    /// Address of the REL relocations. The corresponding C constant is `DT_REL`.
    public static var relocations: Self { Self(rawValue: 17) }
    /// Size of the REL relocations. The corresponding C constant is `DT_RELSZ`.
    public static var relocationsSize: Self { Self(rawValue: 18) }
    /// Size of one REL relocation. The corresponding C constant is `DT_RELENT`.
    public static var relocationEntrySize: Self { Self(rawValue: 19) }
    /// The kind of PLT relocations. The corresponding C constant is `DT_PLTREL`.
    public static var pltRelocationKind: Self { Self(rawValue: 20) }
    /// For the debugger. The corresponding C constant is `DT_DEBUG`.
    public static var debug: Self { Self(rawValue: 21) }
    /// Relocations may write to read-only segments. The corresponding C constant is `DT_TEXTREL`.
    public static var textRelocations: Self { Self(rawValue: 22) }
    /// Address of the PLT relocations. The corresponding C constant is `DT_JMPREL`.
    public static var pltRelocations: Self { Self(rawValue: 23) }
    /// Bind every symbol at load time. The corresponding C constant is `DT_BIND_NOW`.
    public static var bindNow: Self { Self(rawValue: 24) }
    /// Address of the initialiser array. The corresponding C constant is `DT_INIT_ARRAY`.
    public static var initArray: Self { Self(rawValue: 25) }
    /// Address of the terminator array. The corresponding C constant is `DT_FINI_ARRAY`.
    public static var finiArray: Self { Self(rawValue: 26) }
    /// Size of the initialiser array. The corresponding C constant is `DT_INIT_ARRAYSZ`.
    public static var initArraySize: Self { Self(rawValue: 27) }
    /// Size of the terminator array. The corresponding C constant is `DT_FINI_ARRAYSZ`.
    public static var finiArraySize: Self { Self(rawValue: 28) }
    /// Library search path, searched after `LD_LIBRARY_PATH`. The corresponding C constant is `DT_RUNPATH`.
    public static var runpath: Self { Self(rawValue: 29) }
    /// Flags. The corresponding C constant is `DT_FLAGS`.
    public static var flags: Self { Self(rawValue: 30) }
    /// Address of the GNU hash table. The corresponding C constant is `DT_GNU_HASH`.
    public static var gnuHash: Self { Self(rawValue: 0x6fff_fef5) }
    /// Address of the symbol version table. The corresponding C constant is `DT_VERSYM`.
    public static var versionSymbols: Self { Self(rawValue: 0x6fff_fff0) }
    /// Number of relative RELA relocations. The corresponding C constant is `DT_RELACOUNT`.
    public static var relativeRelocationWithAddendCount: Self { Self(rawValue: 0x6fff_fff9) }
    /// Number of relative REL relocations. The corresponding C constant is `DT_RELCOUNT`.
    public static var relativeRelocationCount: Self { Self(rawValue: 0x6fff_fffa) }
    /// More flags. The corresponding C constant is `DT_FLAGS_1`.
    public static var flags1: Self { Self(rawValue: 0x6fff_fffb) }
    /// Address of the version definitions. The corresponding C constant is `DT_VERDEF`.
    public static var versionDefinitions: Self { Self(rawValue: 0x6fff_fffc) }
    /// Number of version definitions. The corresponding C constant is `DT_VERDEFNUM`.
    public static var versionDefinitionCount: Self { Self(rawValue: 0x6fff_fffd) }
    /// Address of the version needs. The corresponding C constant is `DT_VERNEED`.
    public static var versionNeeds: Self { Self(rawValue: 0x6fff_fffe) }
    /// Number of version needs. The corresponding C constant is `DT_VERNEEDNUM`.
    public static var versionNeedCount: Self { Self(rawValue: 0x6fff_ffff) }

    public var description: String {
        constantDescription(
            "DynamicTag",
            rawValue,
            [
                0: "DT_NULL", 1: "DT_NEEDED", 2: "DT_PLTRELSZ", 3: "DT_PLTGOT", 4: "DT_HASH", 5: "DT_STRTAB",
                6: "DT_SYMTAB", 7: "DT_RELA", 8: "DT_RELASZ", 9: "DT_RELAENT", 10: "DT_STRSZ", 11: "DT_SYMENT",
                12: "DT_INIT", 13: "DT_FINI", 14: "DT_SONAME", 15: "DT_RPATH", 16: "DT_SYMBOLIC", 17: "DT_REL",
                18: "DT_RELSZ", 19: "DT_RELENT", 20: "DT_PLTREL", 21: "DT_DEBUG", 22: "DT_TEXTREL",
                23: "DT_JMPREL", 24: "DT_BIND_NOW", 25: "DT_INIT_ARRAY", 26: "DT_FINI_ARRAY",
                27: "DT_INIT_ARRAYSZ", 28: "DT_FINI_ARRAYSZ", 29: "DT_RUNPATH", 30: "DT_FLAGS",
                0x6fff_fef5: "DT_GNU_HASH", 0x6fff_fff0: "DT_VERSYM", 0x6fff_fff9: "DT_RELACOUNT",
                0x6fff_fffa: "DT_RELCOUNT", 0x6fff_fffb: "DT_FLAGS_1", 0x6fff_fffc: "DT_VERDEF",
                0x6fff_fffd: "DT_VERDEFNUM", 0x6fff_fffe: "DT_VERNEED", 0x6fff_ffff: "DT_VERNEEDNUM",
            ]
        )
    }
}

/// The type of a note (`n_type`); its meaning depends on the note's owner name.
public struct NoteType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The ABI tag of a `GNU` note. The corresponding C constant is `NT_GNU_ABI_TAG`.
    public static var gnuABITag: Self { Self(rawValue: 1) }
    /// The unique build ID of a `GNU` note. The corresponding C constant is `NT_GNU_BUILD_ID`.
    public static var gnuBuildID: Self { Self(rawValue: 3) }
    /// Program properties of a `GNU` note. The corresponding C constant is `NT_GNU_PROPERTY_TYPE_0`.
    public static var gnuProperty: Self { Self(rawValue: 5) }

    public var description: String {
        constantDescription(
            "NoteType",
            rawValue,
            [1: "NT_GNU_ABI_TAG", 3: "NT_GNU_BUILD_ID", 5: "NT_GNU_PROPERTY_TYPE_0"]
        )
    }
}
