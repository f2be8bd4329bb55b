//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation
import Testing

struct ELFFileTests {
    static let libraries = ["libswiftCore.so", "libswift_Concurrency.so", "libFoundation.so", "libswiftDispatch.so"]

    static func readelf(_ arguments: [String]) throws -> String {
        try runProcess(try #require(Toolchain.readelf), ["-W"] + arguments)
    }

    // MARK: - Real files, compared with readelf

    @Test func readsTheHeadersOfASharedObject() throws {
        let file = try ELFFile(path: Toolchain.runtimeLibrary("libswiftCore.so"))
        #expect(file.header.type == .sharedObject)
        #expect(file.header.machine == .x86_64)
        #expect(file.sections[0].type == .null)
        #expect(file.section(named: ".text")?.flags == [.alloc, .executable])
        #expect(file.section(named: ".dynsym")?.type == .dynamicSymbols)
        #expect(file.segments.contains { $0.type == .load && $0.flags == [.read, .execute] })
        #expect(file.segments.contains { $0.type == .dynamic })
    }

    @Test(.enabled(if: Toolchain.readelf != nil, "needs readelf from binutils"), arguments: libraries)
    func dynamicInfoMatchesReadelf(library: String) throws {
        let path = Toolchain.runtimeLibrary(library)
        let info = try #require(try ELFFile(path: path).dynamicInfo())
        var expected = DynamicInfo()
        for line in try Self.readelf(["-d", path]).split(separator: "\n") {
            func bracketed() -> String {
                guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return "" }
                return String(line[line.index(after: open)..<close])
            }
            if line.contains("(NEEDED)") { expected.needed.append(bracketed()) }
            if line.contains("(SONAME)") { expected.soname = bracketed() }
            if line.contains("(RUNPATH)") { expected.runpath = bracketed().split(separator: ":").map(String.init) }
            if line.contains("(RPATH)") { expected.rpath = bracketed().split(separator: ":").map(String.init) }
        }
        #expect(!expected.needed.isEmpty)
        #expect(info == expected)
    }

    @Test(.enabled(if: Toolchain.readelf != nil, "needs readelf from binutils"))
    func sectionsAndDynamicSymbolsMatchReadelf() throws {
        let path = Toolchain.runtimeLibrary("libswift_Concurrency.so")
        let file = try ELFFile(path: path)
        let sectionLines = try Self.readelf(["-S", path]).split(separator: "\n").filter {
            $0.hasPrefix("  [") && !$0.hasPrefix("  [Nr]")
        }
        #expect(sectionLines.count == file.sections.count)
        for (line, section) in zip(sectionLines, file.sections) where section.index > 0 {
            #expect(
                line.split(separator: "]", maxSplits: 1)[1].split(separator: " ").first.map(String.init) == section.name
            )
        }
        let symbols = try file.dynamicSymbols()
        let symbolLines = try Self.readelf(["--dyn-syms", path]).split(separator: "\n").filter {
            $0.split(separator: ":").first.map { Int($0.trimmingCharacters(in: .whitespaces)) != nil } ?? false
        }
        #expect(symbolLines.count == symbols.count)
        for (line, symbol) in zip(symbolLines, symbols) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(UInt64(fields[1], radix: 16) == symbol.value)
            #expect(fields.count < 8 || fields[7].split(separator: "@").first.map(String.init) == symbol.name)
        }
    }

    @Test(.enabled(if: Toolchain.readelf != nil, "needs readelf from binutils"))
    func buildIDMatchesReadelf() throws {
        let path = Toolchain.runtimeLibrary("libswiftCore.so")
        let id = try #require(try ELFFile(path: path).buildID())
        let hex = id.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(try Self.readelf(["-n", path]).contains("Build ID: \(hex)"))
        #expect(id.count == 20)
    }

    @Test(.enabled(if: Toolchain.readelf != nil, "needs readelf from binutils"))
    func relocationsOfAnObjectMatchReadelf() throws {
        let module = try CompiledModule(["Server.swift": SwiftTypeIndexTests.server])
        let path = module.objectPaths[0]
        let file = try ELFFile(path: path)
        let symbols = try file.symbols()
        var ours: [String] = []
        for table in try file.relocationTables() {
            for entry in table.entries {
                let symbol = symbols[entry.symbolIndex]
                let name = symbol.type == .section ? file.sections[Int(symbol.section.rawValue)].name : symbol.name
                let addend =
                    entry.addend < 0 ? "- \(String(-entry.addend, radix: 16))" : "+ \(String(entry.addend, radix: 16))"
                ours.append("\(table.section.name) \(String(entry.offset, radix: 16)) \(entry.type) \(name) \(addend)")
            }
        }
        var theirs: [String] = []
        var section = ""
        for line in try Self.readelf(["-r", path]).split(separator: "\n") {
            if line.hasPrefix("Relocation section '") {
                section = String(line.split(separator: "'")[1])
                continue
            }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, let offset = UInt64(fields[0], radix: 16) else { continue }
            let name = fields[4...].dropLast(2).joined(separator: " ")
            theirs.append(
                "\(section) \(String(offset, radix: 16)) \(fields[2]) \(name) "
                    + "\(fields[fields.count - 2]) \(fields.last!)"
            )
        }
        #expect(ours.count > 50)
        #expect(ours == theirs)
    }

    /// Without section headers (a stripped or packed file), the dynamic section, its
    /// strings and the notes are found through the program headers.
    @Test func readsDynamicInfoThroughSegmentsWithoutSectionHeaders() throws {
        let path = Toolchain.runtimeLibrary("libswiftDispatch.so")
        let original = try ELFFile(path: path)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        for offset in 40..<48 { bytes[offset] = 0 }  // e_shoff
        for offset in 60..<64 { bytes[offset] = 0 }  // e_shnum, e_shstrndx
        let stripped = try ELFFile(bytes: bytes)
        #expect(stripped.sections.isEmpty)
        #expect(try stripped.dynamicInfo() == original.dynamicInfo())
        #expect(try stripped.buildID() == original.buildID())
        #expect(try stripped.buildID() != nil)
    }

    @Test func listsExportedSymbols() throws {
        let file = try ELFFile(path: Toolchain.runtimeLibrary("libswiftCore.so"))
        #expect(try file.exportsSymbol(named: "swift_demangle"))
        #expect(try !file.exportsSymbol(named: "malloc_usable_size"))  // imported, not exported
        #expect(try file.exportedSymbols().allSatisfy { $0.isDefined && $0.binding != .local })
    }

    @Test func opensFilesInAScope() throws {
        let machine = try ELFFile.withFile(at: Toolchain.runtimeLibrary("libswiftCore.so")) { $0.header.machine }
        #expect(machine == .x86_64)
        #expect(
            throws: ELFError(
                code: .io,
                file: "/nonexistent/libX.so",
                message: "cannot open the file: No such file or directory"
            )
        ) {
            try ELFFile(path: "/nonexistent/libX.so")
        }
    }

    @Test func printsConstantsByTheirCNames() {
        #expect(SectionType.dynamicSymbols.description == "SHT_DYNSYM")
        #expect(SectionType(rawValue: 0x6fff_fff1).description == "SectionType(rawValue: 0x6ffffff1)")
        #expect(SectionFlags([.alloc, .executable]).description == "SHF_ALLOC|SHF_EXECINSTR")
        #expect(SectionFlags(rawValue: 0x2 | 0x1000).description == "SHF_ALLOC|0x1000")
        #expect(RelocationType.X86_64.plt32.description == "R_X86_64_PLT32")
        #expect(RelocationType.AArch64.call26.description == "R_AARCH64_CALL26")
        #expect(
            RelocationType(machine: .riscv, rawValue: 19).description
                == "RelocationType(machine: EM_RISCV, rawValue: 0x13)"
        )
        #expect(DynamicTag.runpath.description == "DT_RUNPATH")
        #expect(SymbolBinding.weak.description == "STB_WEAK")
    }

    // MARK: - Malformed files

    static func smallObject() throws -> [UInt8] {
        let module = try CompiledModule(["Server.swift": SwiftTypeIndexTests.server], debugInfo: false)
        return Array(try Data(contentsOf: URL(fileURLWithPath: module.objectPaths[0])))
    }

    @Test func rejectsFilesThatAreNotELF() {
        #expect(
            throws: ELFError(
                code: .notELF,
                file: "<memory>",
                message: "not an ELF file (no \\x7fELF magic number)",
                offset: 0
            )
        ) {
            try ELFFile(bytes: [])
        }
        #expect(
            throws: ELFError(
                code: .notELF,
                file: "a.txt",
                message: "not an ELF file (no \\x7fELF magic number)",
                offset: 0
            )
        ) {
            try ELFFile(bytes: Array("hello, world".utf8), name: "a.txt")
        }
    }

    @Test func reportsWhereAFileIsTruncated() throws {
        let bytes = try Self.smallObject()
        #expect(
            throws: ELFError(
                code: .truncated,
                file: "Server.o",
                message: "file header needs 64 bytes, but the file has 20",
                offset: 0
            )
        ) {
            try ELFFile(bytes: Array(bytes.prefix(20)), name: "Server.o")
        }
        let header = try ELFFile(bytes: bytes).header
        let cut = Int(header.sectionHeaderOffset) + 100
        let error = try #require(throws: ELFError.self) {
            try ELFFile(bytes: Array(bytes.prefix(cut)), name: "Server.o")
        }
        #expect(error.code == .truncated)
        #expect(error.offset == header.sectionHeaderOffset)
        #expect(
            error.description
                == "Server.o: error: section header table (\(header.sectionHeaderCount) entries of 64 bytes) "
                + "runs past the end of the file (\(cut) bytes) "
                + "(at offset 0x\(String(header.sectionHeaderOffset, radix: 16)))"
        )
    }

    @Test func reportsUnsupportedClassesAndEncodings() throws {
        var bytes = try Self.smallObject()
        bytes[4] = 1  // ELFCLASS32
        #expect(
            throws: ELFError(
                code: .unsupported,
                file: "<memory>",
                message: "ELF class 1 is not ELFCLASS64 (2)",
                offset: 4
            )
        ) {
            try ELFFile(bytes: bytes)
        }
        bytes[4] = 2
        bytes[5] = 2  // big-endian
        #expect(
            throws: ELFError(
                code: .unsupported,
                file: "<memory>",
                message: "data encoding 2 is not little-endian ELFDATA2LSB (1)",
                offset: 5
            )
        ) {
            try ELFFile(bytes: bytes)
        }
    }

    @Test func reportsBadFieldsWithTheirPlace() throws {
        var bytes = try Self.smallObject()
        bytes[58] = 40  // e_shentsize
        #expect(
            throws: ELFError(
                code: .malformed,
                file: "<memory>",
                message: "section header entry size is 40, expected 64",
                offset: 58
            )
        ) {
            try ELFFile(bytes: bytes)
        }
        bytes = try Self.smallObject()
        let file = try ELFFile(bytes: bytes)
        let symtab = try #require(file.sections.first { $0.type == .symbolTable })
        let strtab = file.sections[Int(symtab.link)]
        // Point the second symbol's name past the end of its string table.
        let nameField = Int(symtab.offset) + 24
        let bad = UInt32(strtab.size + 10)
        for i in 0..<4 { bytes[nameField + i] = UInt8(truncatingIfNeeded: bad >> (8 * UInt32(i))) }
        #expect(
            throws: ELFError(
                code: .malformed,
                file: "<memory>",
                message:
                    "name of symbol 1 is at offset \(bad), "
                    + "outside the \(strtab.size)-byte string table '\(strtab.name)'",
                offset: strtab.offset
            )
        ) {
            try ELFFile(bytes: bytes).symbols()
        }
    }

    /// Truncated and corrupted copies of a real object never trap: reading, listing and
    /// fingerprinting either work or throw an ``ELFError``. Both DWARF versions, whose
    /// debug information the fingerprinter reads, are damaged too.
    @Test(arguments: ["-dwarf-version=4", "-dwarf-version=5"])
    func neverTrapsOnDamagedFiles(dwarf: String) throws {
        let module = try CompiledModule(["Server.swift": SwiftTypeIndexTests.server], flags: [dwarf])
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: module.objectPaths[0])))
        // DISTILL_FUZZ_ROUNDS and DISTILL_FUZZ_SEED run a longer search by hand.
        let environment = ProcessInfo.processInfo.environment
        var generator = SplitMix64(seed: environment["DISTILL_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED)
        var variants: [[UInt8]] = stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)).map {
            Array(bytes.prefix($0))
        }
        for _ in 0..<(environment["DISTILL_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 200) {
            var copy = bytes
            for _ in 0..<8 {
                let at = Int(generator.next() % UInt64(copy.count))
                copy[at] = UInt8(truncatingIfNeeded: generator.next())
            }
            variants.append(copy)
        }
        var failures = 0
        for variant in variants {
            do {
                let file = try ELFFile(bytes: variant)
                _ = try file.symbols()
                _ = try file.relocationTables()
                _ = try file.dynamicInfo()
                _ = try file.notes()
                _ = try SwiftTypeIndex(objects: [file])
            } catch {
                failures += 1
            }
        }
        #expect(failures > 60)  // most damage is noticed...
        #expect(failures < variants.count)  // ...and some is harmless
    }
}

/// A small deterministic pseudo-random generator for reproducible damage.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
