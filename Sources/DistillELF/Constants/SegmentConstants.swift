//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Segment type

/// The type of a program header (`p_type`).
public struct SegmentType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// An unused entry. The corresponding C constant is `PT_NULL`.
    public static var null: Self { Self(rawValue: 0) }
    /// A loadable segment. The corresponding C constant is `PT_LOAD`.
    public static var load: Self { Self(rawValue: 1) }
    /// The dynamic linking table. The corresponding C constant is `PT_DYNAMIC`.
    public static var dynamic: Self { Self(rawValue: 2) }
    /// The program interpreter's path. The corresponding C constant is `PT_INTERP`.
    public static var interpreter: Self { Self(rawValue: 3) }
    /// Notes. The corresponding C constant is `PT_NOTE`.
    public static var note: Self { Self(rawValue: 4) }
    /// The program header table itself. The corresponding C constant is `PT_PHDR`.
    public static var programHeaders: Self { Self(rawValue: 6) }
    /// The thread-local storage template. The corresponding C constant is `PT_TLS`.
    public static var threadLocal: Self { Self(rawValue: 7) }
    /// The `.eh_frame_hdr` lookup table. The corresponding C constant is `PT_GNU_EH_FRAME`.
    public static var gnuEHFrame: Self { Self(rawValue: 0x6474_e550) }
    /// Stack permissions. The corresponding C constant is `PT_GNU_STACK`.
    public static var gnuStack: Self { Self(rawValue: 0x6474_e551) }
    /// Read-only after relocation. The corresponding C constant is `PT_GNU_RELRO`.
    public static var gnuRelocationReadOnly: Self { Self(rawValue: 0x6474_e552) }
    /// GNU program properties. The corresponding C constant is `PT_GNU_PROPERTY`.
    public static var gnuProperty: Self { Self(rawValue: 0x6474_e553) }

    public var description: String {
        constantDescription(
            "SegmentType",
            rawValue,
            [
                0: "PT_NULL", 1: "PT_LOAD", 2: "PT_DYNAMIC", 3: "PT_INTERP", 4: "PT_NOTE", 6: "PT_PHDR",
                7: "PT_TLS", 0x6474_e550: "PT_GNU_EH_FRAME", 0x6474_e551: "PT_GNU_STACK",
                0x6474_e552: "PT_GNU_RELRO", 0x6474_e553: "PT_GNU_PROPERTY",
            ]
        )
    }
}

// MARK: - Segment flags

/// The permission bits of a program header (`p_flags`).
public struct SegmentFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Executable. The corresponding C constant is `PF_X`.
    public static var execute: Self { Self(rawValue: 0x1) }
    /// Writable. The corresponding C constant is `PF_W`.
    public static var write: Self { Self(rawValue: 0x2) }
    /// Readable. The corresponding C constant is `PF_R`.
    public static var read: Self { Self(rawValue: 0x4) }

    public var description: String {
        flagsDescription(rawValue, [(0x4, "PF_R"), (0x2, "PF_W"), (0x1, "PF_X")])
    }
}
