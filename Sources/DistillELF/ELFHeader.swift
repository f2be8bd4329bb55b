//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The ELF file header (`Elf64_Ehdr`), after the identification bytes were checked
/// (64-bit, little-endian, version 1).
public struct ELFHeader: Hashable, Sendable {
    /// The operating system ABI (`EI_OSABI`).
    public var osABI: OSABI
    /// The ABI version (`EI_ABIVERSION`).
    public var abiVersion: UInt8
    /// The kind of file (`e_type`).
    public var type: FileType
    /// The instruction set (`e_machine`).
    public var machine: Machine
    /// The entry point's virtual address, or 0 (`e_entry`).
    public var entry: UInt64
    /// Where the program header table starts in the file (`e_phoff`).
    public var programHeaderOffset: UInt64
    /// Where the section header table starts in the file (`e_shoff`).
    public var sectionHeaderOffset: UInt64
    /// Processor-specific flags (`e_flags`).
    public var flags: UInt32
    /// The size of one program header (`e_phentsize`).
    public var programHeaderEntrySize: UInt16
    /// The number of program headers (`e_phnum`).
    public var programHeaderCount: UInt16
    /// The size of one section header (`e_shentsize`).
    public var sectionHeaderEntrySize: UInt16
    /// The number of section headers, or 0 when section 0's `sh_size` holds it (`e_shnum`).
    public var sectionHeaderCount: UInt16
    /// The section name table's index, or `SHN_XINDEX` when section 0's `sh_link` holds it (`e_shstrndx`).
    public var sectionNameTableIndex: UInt16
}

/// A section header (`Elf64_Shdr`) with its name.
public struct ELFSection: Hashable, Sendable, CustomStringConvertible {
    /// The section's index in the section header table.
    public var index: Int
    /// The section's name from the section name table (`sh_name`).
    public var name: String
    /// The section's type (`sh_type`).
    public var type: SectionType
    /// The section's flags (`sh_flags`).
    public var flags: SectionFlags
    /// The virtual address at run time, or 0 in relocatable objects (`sh_addr`).
    public var address: UInt64
    /// Where the section's bytes start in the file (`sh_offset`).
    public var offset: UInt64
    /// The section's size in bytes (`sh_size`); for `SHT_NOBITS` it occupies no file bytes.
    public var size: UInt64
    /// A section index whose meaning depends on the type (`sh_link`).
    public var link: UInt32
    /// Extra information whose meaning depends on the type (`sh_info`).
    public var info: UInt32
    /// The required alignment (`sh_addralign`).
    public var alignment: UInt64
    /// The size of one entry for table sections, else 0 (`sh_entsize`).
    public var entrySize: UInt64

    /// Where this section's header is in the file, for error messages.
    var headerOffset: UInt64
    /// The bytes of the section in the file, checked when the file was opened.
    var fileRange: Range<Int> = 0..<0

    /// Whether the section has bytes in the file.
    public var hasContents: Bool { type != .noBits && type != .null }

    public var description: String {
        "[\(index)] \(name) \(type) size 0x\(String(size, radix: 16)) flags \(flags)"
    }
}

/// A program header (`Elf64_Phdr`): a segment of the file as the loader maps it.
public struct ELFSegment: Hashable, Sendable {
    /// The segment's index in the program header table.
    public var index: Int
    /// The segment's type (`p_type`).
    public var type: SegmentType
    /// The segment's permissions (`p_flags`).
    public var flags: SegmentFlags
    /// Where the segment's bytes start in the file (`p_offset`).
    public var offset: UInt64
    /// The virtual address it is mapped at (`p_vaddr`).
    public var virtualAddress: UInt64
    /// The physical address, usually equal to the virtual one (`p_paddr`).
    public var physicalAddress: UInt64
    /// The number of bytes in the file (`p_filesz`).
    public var fileSize: UInt64
    /// The number of bytes in memory, at least `fileSize` (`p_memsz`).
    public var memorySize: UInt64
    /// The required alignment (`p_align`).
    public var alignment: UInt64
}
