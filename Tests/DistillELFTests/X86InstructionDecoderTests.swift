//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation
import Testing

@testable import DistillELF

struct X86InstructionDecoderTests {
    static func decode(_ bytes: [UInt8]) -> X86Instruction? {
        bytes.withUnsafeBytes { X86InstructionDecoder.decode($0, at: 0, end: bytes.count) }
    }

    @Test(
        arguments: [
            ([0xc3], 1),  // ret
            ([0x48, 0x8d, 0x05, 0, 0, 0, 0], 7),  // lea rax, [rip+0]
            ([0x48, 0xb9, 0x12, 0, 0, 0, 0, 0, 0, 0xd0], 10),  // movabs rcx, imm64
            ([0x66, 0x0f, 0x1f, 0x44, 0, 0], 6),  // nopw [rax+rax]
            ([0x0f, 0x0b], 2),  // ud2
            ([0x6a, 0x05], 2),  // push 5
            ([0xf6, 0x47, 0x10, 0x01], 4),  // test byte [rdi+16], 1
            ([0xf7, 0xd8], 2),  // neg eax (group 3 without immediate)
            ([0xc5, 0xf8, 0x77], 3),  // vzeroupper
            ([0xc4, 0xe3, 0x79, 0x0f, 0xc1, 0x08], 6),  // vpalignr xmm0, xmm0, xmm1, 8
            ([0x48, 0xc7, 0x44, 0x24, 0x10, 0x04, 0, 0, 0], 9),  // mov qword [rsp+16], 4
            ([0x0f, 0x84, 0, 0, 0, 0], 6),  // je rel32
        ] as [([UInt8], Int)]
    )
    func decodesLength(bytes: [UInt8], length: Int) {
        #expect(Self.decode(bytes)?.length == length)
    }

    @Test func findsFieldsOfCallsBranchesRipOperandsAndImmediates() throws {
        let call = try #require(Self.decode([0xe8, 1, 2, 3, 4]))
        #expect(call.kind == .call && call.branch?.offset == 1 && call.branch?.size == 4)
        let jump = try #require(Self.decode([0xeb, 0x10]))
        #expect(jump.kind == .jump && jump.branch?.offset == 1 && jump.branch?.size == 1)
        let lea = try #require(Self.decode([0x48, 0x8d, 0x05, 0, 0, 0, 0]))
        #expect(lea.ripDisplacement == 3 && lea.immediate == nil)
        let compare = try #require(Self.decode([0x80, 0x3d, 0, 0, 0, 0, 0x07]))  // cmp byte [rip+x], 7
        #expect(compare.ripDisplacement == 2 && compare.immediate?.offset == 6 && compare.immediate?.size == 1)
        let store = try #require(Self.decode([0x48, 0xc7, 0x44, 0x24, 0x10, 0x04, 0, 0, 0]))
        #expect(store.immediate?.offset == 5 && store.immediate?.size == 4)
    }

    @Test func refusesInvalidAndTruncatedInstructions() {
        #expect(Self.decode([0x06]) == nil)  // push es: invalid in 64-bit mode
        #expect(Self.decode([0x48]) == nil)  // a lone REX prefix
        #expect(Self.decode([0xe8, 0, 0]) == nil)  // call cut short
        #expect(Self.decode([0x48, 0x8d, 0x05, 0, 0]) == nil)  // displacement cut short
    }

    /// Every instruction boundary in the functions of a real shared object matches
    /// objdump's disassembly.
    @Test(.enabled(if: Toolchain.objdump != nil, "needs objdump from binutils"))
    func agreesWithObjdumpOnTheConcurrencyLibrary() throws {
        let path = Toolchain.runtimeLibrary("libswift_Concurrency.so")
        let file = try ELFFile(path: path)
        let text = try #require(file.section(named: ".text"))
        var decoded = Set<UInt64>()
        var failures = 0
        let functions = try (file.symbols() + file.dynamicSymbols()).filter {
            $0.type == .function && $0.section.rawValue == UInt32(text.index) && $0.size > 0
        }
        file.withContents(of: text) { code in
            for function in Set(functions.map { $0.value..<$0.value + $0.size }) {
                var at = Int(function.lowerBound - text.address)
                let end = Int(function.upperBound - text.address)
                while at < end {
                    decoded.insert(text.address + UInt64(at))
                    guard let instruction = X86InstructionDecoder.decode(code, at: at, end: end) else {
                        failures += 1
                        break
                    }
                    at += instruction.length
                }
            }
        }
        let listing = try runProcess(
            try #require(Toolchain.objdump),
            ["-d", "--no-show-raw-insn", "-j", ".text", path]
        )
        let ranges = Set(functions.map { $0.value..<$0.value + $0.size }).sorted { $0.lowerBound < $1.lowerBound }
        func inFunction(_ address: UInt64) -> Bool {
            var low = 0
            var high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].lowerBound <= address { low = middle + 1 } else { high = middle }
            }
            // Ranges may nest (aliases), so look back a little past the last start <= address.
            return ranges[max(0, low - 4)..<low].contains { $0.contains(address) }
        }
        var expected = Set<UInt64>()
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[1].hasPrefix("\t"),
                let address = UInt64(parts[0].trimmingCharacters(in: .whitespaces), radix: 16), inFunction(address)
            else { continue }
            expected.insert(address)
        }
        #expect(failures == 0)
        #expect(decoded.count > 50_000)
        #expect(decoded.symmetricDifference(expected).sorted().prefix(10) == [])
    }
}

/// The assembler picks a short or a long jump by distance; fingerprints must not care.
struct BranchRelaxationTests {
    static let source = """
        __attribute__((noinline)) static int helper(int x) { return x * 7 + 3; }
        int g(int x) { return helper(x) + 1; }
        BIG
        int f(int x) { if (x > 5) return helper(x + 1); return helper(x - 1) * 2; }
        """

    static func compile(_ source: String) throws -> (TemporaryDirectory, ELFFile) {
        let directory = try TemporaryDirectory(prefix: "distill-relax")
        try source.write(to: directory.url.appendingPathComponent("a.c"), atomically: true, encoding: .utf8)
        try runProcess(Toolchain.clang, ["-O2", "-c", "a.c", "-o", "a.o"], currentDirectory: directory.url)
        return (directory, try ELFFile(path: directory.path + "/a.o"))
    }

    /// `f` tail-calls `helper` (a local symbol in the same section, so the assembler
    /// resolves the jump): a short `jmp` when they are close, a long one once `big` sits
    /// between them. The conditional jump inside `f` changes displacement with it.
    @Test func shortAndLongJumpsToTheSameTargetFingerprintTheSame() throws {
        var big = "int big(int *a) {\n  int s = 0;\n"
        for i in 0..<60 { big += "  s += a[\(i)] * \(i + 3);\n" }
        big += "  return s;\n}\n"
        let (_, near) = try Self.compile(Self.source.replacingOccurrences(of: "BIG", with: ""))
        let (_, far) = try Self.compile(Self.source.replacingOccurrences(of: "BIG", with: big))
        let text = try #require(near.section(named: ".text"))
        let f = try #require(try near.symbols().first { $0.name == "f" })
        let firstJump = near.withContents(of: text) { code in
            (Int(f.value)..<Int(f.value + f.size)).first { code[$0] == 0xeb }  // a short jmp in f
        }
        #expect(firstJump != nil)
        let old = try SymbolFingerprinter.fingerprints(of: [near])
        let new = try SymbolFingerprinter.fingerprints(of: [far])
        #expect(old["f"] != nil && old["f"] == new["f"])
        #expect(old["g"] == new["g"])
    }
}
