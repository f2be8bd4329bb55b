//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One note (`Elf64_Nhdr` with its name and descriptor).
public struct ELFNote: Hashable, Sendable {
    /// The owner's name without its NUL, e.g. `GNU`.
    public var name: String
    /// The note's type, whose meaning depends on `name` (`n_type`).
    public var type: NoteType
    /// The note's payload (`desc`).
    public var descriptor: [UInt8]
}

extension ELFFile {
    /// Every note, from the `SHT_NOTE` sections, or from the `PT_NOTE` segments when the
    /// file has no section headers.
    public func notes() throws(ELFError) -> [ELFNote] {
        var notes: [ELFNote] = []
        let noteSections = sections.filter { $0.type == .note }
        if !noteSections.isEmpty {
            for section in noteSections {
                notes += try readNotes(section.fileRange, alignment: section.alignment, in: "section '\(section.name)'")
            }
        } else {
            for segment in segments where segment.type == .note {
                let range = try Self.checkedRange(
                    storage,
                    name,
                    offset: segment.offset,
                    size: segment.fileSize,
                    "note segment \(segment.index)"
                )
                notes += try readNotes(range, alignment: segment.alignment, in: "note segment \(segment.index)")
            }
        }
        return notes
    }

    /// The GNU build ID (`NT_GNU_BUILD_ID`), if the file has one.
    public func buildID() throws(ELFError) -> [UInt8]? {
        try notes().first { $0.name == "GNU" && $0.type == .gnuBuildID }?.descriptor
    }

    private func readNotes(_ range: Range<Int>, alignment: UInt64, in what: String) throws(ELFError) -> [ELFNote] {
        // Notes are padded to 4 bytes, or to 8 in sections aligned to 8 (gABI).
        let align = alignment == 8 ? 8 : 4
        func padded(_ n: Int) -> Int { (n + align - 1) / align * align }
        var notes: [ELFNote] = []
        var at = range.lowerBound
        while at < range.upperBound {
            guard range.upperBound - at >= 12 else {
                throw error(.truncated, "note header in \(what) runs past its end", at: UInt64(at))
            }
            let nameSize = Int(storage.u32(at))
            let descriptorSize = Int(storage.u32(at + 4))
            let type = NoteType(rawValue: storage.u32(at + 8))
            let nameStart = at + 12
            let descriptorStart = nameStart + padded(nameSize)
            let next = descriptorStart + padded(descriptorSize)
            guard nameSize <= range.count, descriptorSize <= range.count, next <= range.upperBound else {
                throw error(
                    .truncated,
                    "note of \(nameSize)-byte name and \(descriptorSize)-byte descriptor runs past the end of \(what)",
                    at: UInt64(at)
                )
            }
            var nameBytes = Array(storage.buffer(nameStart..<nameStart + nameSize))
            if nameBytes.last == 0 { nameBytes.removeLast() }
            notes.append(
                ELFNote(
                    name: String(decoding: nameBytes, as: UTF8.self),
                    type: type,
                    descriptor: Array(storage.buffer(descriptorStart..<descriptorStart + descriptorSize))
                )
            )
            at = next
        }
        return notes
    }
}
