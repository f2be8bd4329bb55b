//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Binding

/// A symbol's binding: who can see it and how duplicates resolve (`ELF64_ST_BIND`).
public struct SymbolBinding: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Visible only inside its object file. The corresponding C constant is `STB_LOCAL`.
    public static var local: Self { Self(rawValue: 0) }
    /// Visible to every object being linked. The corresponding C constant is `STB_GLOBAL`.
    public static var global: Self { Self(rawValue: 1) }
    /// Global, but yields to a global definition. The corresponding C constant is `STB_WEAK`.
    public static var weak: Self { Self(rawValue: 2) }
    /// Unique in the whole process (GNU). The corresponding C constant is `STB_GNU_UNIQUE`.
    public static var gnuUnique: Self { Self(rawValue: 10) }

    public var description: String {
        constantDescription(
            "SymbolBinding",
            rawValue,
            [0: "STB_LOCAL", 1: "STB_GLOBAL", 2: "STB_WEAK", 10: "STB_GNU_UNIQUE"]
        )
    }
}

// MARK: - Type

/// What a symbol names (`ELF64_ST_TYPE`).
public struct SymbolType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Unspecified. The corresponding C constant is `STT_NOTYPE`.
    public static var none: Self { Self(rawValue: 0) }
    /// A data object. The corresponding C constant is `STT_OBJECT`.
    public static var object: Self { Self(rawValue: 1) }
    /// A function. The corresponding C constant is `STT_FUNC`.
    public static var function: Self { Self(rawValue: 2) }
    /// A section (relocations refer to it). The corresponding C constant is `STT_SECTION`.
    public static var section: Self { Self(rawValue: 3) }
    /// The source file's name. The corresponding C constant is `STT_FILE`.
    public static var file: Self { Self(rawValue: 4) }
    /// An uninitialised common block. The corresponding C constant is `STT_COMMON`.
    public static var common: Self { Self(rawValue: 5) }
    /// A thread-local variable. The corresponding C constant is `STT_TLS`.
    public static var threadLocal: Self { Self(rawValue: 6) }
    /// An indirect function, resolved at load time. The corresponding C constant is `STT_GNU_IFUNC`.
    public static var gnuIndirectFunction: Self { Self(rawValue: 10) }

    public var description: String {
        constantDescription(
            "SymbolType",
            rawValue,
            [
                0: "STT_NOTYPE", 1: "STT_OBJECT", 2: "STT_FUNC", 3: "STT_SECTION", 4: "STT_FILE", 5: "STT_COMMON",
                6: "STT_TLS", 10: "STT_GNU_IFUNC",
            ]
        )
    }
}

// MARK: - Visibility

/// A symbol's visibility outside the linked image (`ELF64_ST_VISIBILITY`).
public struct SymbolVisibility: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// As the binding says; exported from a shared object. The corresponding C constant is `STV_DEFAULT`.
    public static var `default`: Self { Self(rawValue: 0) }
    /// Processor-specific hidden. The corresponding C constant is `STV_INTERNAL`.
    public static var `internal`: Self { Self(rawValue: 1) }
    /// Not exported from the linked image. The corresponding C constant is `STV_HIDDEN`.
    public static var hidden: Self { Self(rawValue: 2) }
    /// Exported, but not preemptible. The corresponding C constant is `STV_PROTECTED`.
    public static var protected: Self { Self(rawValue: 3) }

    public var description: String {
        constantDescription(
            "SymbolVisibility",
            rawValue,
            [0: "STV_DEFAULT", 1: "STV_INTERNAL", 2: "STV_HIDDEN", 3: "STV_PROTECTED"]
        )
    }
}
