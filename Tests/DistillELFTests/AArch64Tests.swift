//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation
import Testing

/// AArch64 objects, compiled from C by the toolchain's clang (no AArch64 Swift standard
/// library is needed for that).
struct AArch64Tests {
    static let source = """
        __attribute__((noinline)) static int helper(int x) { return x * 3 + 1; }
        __attribute__((noinline)) int twice(int x) { return helper(x) + helper(x + 1); }
        const char *greeting(void) { return "hello"; }
        int table(int i) {
            switch (i) {
            case 0: return 5; case 1: return 7; case 2: return 11; case 3: return 13; default: return twice(i);
            }
        }
        """

    static func compile(_ source: String) throws -> (TemporaryDirectory, ELFFile) {
        let directory = try TemporaryDirectory(prefix: "distill-aarch64")
        try source.write(to: directory.url.appendingPathComponent("a.c"), atomically: true, encoding: .utf8)
        try runProcess(
            Toolchain.clang,
            ["-target", "aarch64-linux-gnu", "-O1", "-c", "a.c", "-o", "a.o"],
            currentDirectory: directory.url
        )
        return (directory, try ELFFile(path: directory.path + "/a.o"))
    }

    @Test func readsAArch64Relocations() throws {
        let (_, file) = try Self.compile(Self.source)
        #expect(file.header.machine == .aarch64)
        let types = Set(try file.relocationTables().flatMap(\.entries).map(\.type.description))
        #expect(types.isSuperset(of: ["R_AARCH64_ADR_PREL_PG_HI21", "R_AARCH64_ADD_ABS_LO12_NC", "R_AARCH64_PREL32"]))
    }

    /// `bl helper` is resolved by the assembler (same section, local symbol); code added
    /// before it moves it without changing any fingerprint.
    @Test func branchesTheAssemblerResolvedDoNotDependOnLayout() throws {
        let (_, before) = try Self.compile(Self.source)
        let (_, after) = try Self.compile("int added(int x) { return x ^ 0x5a5a; }\n" + Self.source)
        let old = try SymbolFingerprinter.fingerprints(of: [before])
        let new = try SymbolFingerprinter.fingerprints(of: [after])
        for name in ["helper", "twice", "greeting", "table"] {
            #expect(old[name] != nil && old[name] == new[name], "\(name)")
        }
        let explanation = try #require(try SymbolFingerprinter().explanation(of: "twice", in: [before]))
        #expect(explanation.contains("resolvedBranch 4 symbol(\"helper\", delta: 0)"))
    }

    @Test func stringContentsAreWhatCounts() throws {
        let (_, before) = try Self.compile(Self.source)
        let (_, after) = try Self.compile(Self.source.replacingOccurrences(of: "\"hello\"", with: "\"hullo\""))
        let old = try SymbolFingerprinter.fingerprints(of: [before])
        let new = try SymbolFingerprinter.fingerprints(of: [after])
        #expect(old["greeting"] != new["greeting"])
        #expect(old["twice"] == new["twice"])
    }
}
