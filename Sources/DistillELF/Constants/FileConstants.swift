//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - File type

/// The kind of an ELF file (`e_type`).
public struct FileType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No file type. The corresponding C constant is `ET_NONE`.
    public static var none: Self { Self(rawValue: 0) }
    /// A relocatable object (`.o`). The corresponding C constant is `ET_REL`.
    public static var relocatable: Self { Self(rawValue: 1) }
    /// An executable at a fixed address. The corresponding C constant is `ET_EXEC`.
    public static var executable: Self { Self(rawValue: 2) }
    /// A shared object or position-independent executable. The corresponding C constant is `ET_DYN`.
    public static var sharedObject: Self { Self(rawValue: 3) }
    /// A core dump. The corresponding C constant is `ET_CORE`.
    public static var core: Self { Self(rawValue: 4) }

    public var description: String {
        constantDescription(
            "FileType",
            rawValue,
            [0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"]
        )
    }
}

// MARK: - Machine

/// The instruction set a file is for (`e_machine`).
public struct Machine: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No machine. The corresponding C constant is `EM_NONE`.
    public static var none: Self { Self(rawValue: 0) }
    /// Intel 80386. The corresponding C constant is `EM_386`.
    public static var i386: Self { Self(rawValue: 3) }
    /// 32-bit Arm. The corresponding C constant is `EM_ARM`.
    public static var arm: Self { Self(rawValue: 40) }
    /// AMD x86-64. The corresponding C constant is `EM_X86_64`.
    public static var x86_64: Self { Self(rawValue: 62) }
    /// 64-bit Arm. The corresponding C constant is `EM_AARCH64`.
    public static var aarch64: Self { Self(rawValue: 183) }
    /// RISC-V. The corresponding C constant is `EM_RISCV`.
    public static var riscv: Self { Self(rawValue: 243) }

    public var description: String {
        constantDescription(
            "Machine",
            rawValue,
            [0: "EM_NONE", 3: "EM_386", 40: "EM_ARM", 62: "EM_X86_64", 183: "EM_AARCH64", 243: "EM_RISCV"]
        )
    }
}

// MARK: - OS ABI

/// The operating system ABI a file is for (`e_ident[EI_OSABI]`).
public struct OSABI: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// System V, the usual value on Linux. The corresponding C constant is `ELFOSABI_SYSV`.
    public static var systemV: Self { Self(rawValue: 0) }
    /// GNU/Linux, used when a file needs GNU extensions. The corresponding C constant is `ELFOSABI_GNU`.
    public static var gnu: Self { Self(rawValue: 3) }

    public var description: String {
        constantDescription("OSABI", rawValue, [0: "ELFOSABI_SYSV", 3: "ELFOSABI_GNU"])
    }
}
