//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The arguments `swift-distill` adds to every `swift build` it runs, so that the same
/// sources built by the same toolchain give the same bytes in any directory.
///
/// Each one removes a difference found between two clean builds of `Fixtures/kv` (issue 19):
///
/// - `-Xfrontend -disable-incremental-llvm-codegen`. Every Swift object file has a
///   `.swift_modhash` section: an MD5 of the object's LLVM module (bitcode, debug
///   information included), which the compiler reads back from the *object file* on the
///   next build to skip LLVM when the module is unchanged (swift `lib/IRGen/IRGen.cpp`,
///   `getHashOfModule`, `needsRecompile`). The linker concatenates the sections, 16 bytes
///   per object, into the library and the build-id hashes them. The module hashed holds
///   the object's absolute path (its `ModuleID`, which no prefix map changes) and, in the
///   debug information, the signature (`DW_AT_GNU_dwo_id`) of every imported Clang module
///   — and a Clang module's signature covers the modification times of its module map and
///   headers, which a fresh `.build` (new checkouts, new module maps) changes. So the bytes
///   differed between two clean builds in one directory and in every object between two
///   directories, after `strip` had removed the debug information itself. With the flag,
///   the compiler does not compute the hash and the section holds zeros. Nothing reads it
///   at run time (the Swift runtime's `MetadataSections` lists the sections it reads; this
///   is not one); the cost is that a rebuild runs LLVM for a file whose IR did not change.
/// - `-use-ld=lld`. gold, the toolchain's default linker on Linux, names a library's base
///   symbol version after its SONAME or, as SwiftPM sets none, after the output file's
///   absolute path (`Versions::define_base_version`), which lands in `.dynstr` and shifts
///   everything after it. lld writes no version definition unless a version script asks.
///   The toolchain ships lld next to `swift`; without it the flag is left out (and builds
///   in different directories differ again).
/// - `-file-prefix-map` (Swift) and `-ffile-prefix-map` (C): the package, the build
///   directory and the swift-distill checkout become `/distill/NAME` in `#filePath`,
///   `__FILE__` (CNIOLinux's `assert`) and debug information.
///
/// The debug information still differs (Clang module signatures, the module cache's path),
/// and the linker's GNU build-id hashes it: the release's stripped copies get a build-id
/// recomputed over what ships (`ELFEditor.recomputeBuildID(_:)`). The README's
/// "Reproducible tarballs" says what is reproducible, and `make reproducible` checks it.
public enum ReproducibleBuild {
    /// The flags for `swift build`.
    ///
    /// - Parameters:
    ///   - directories: each directory whose name must not reach the products, with the
    ///     name it gets instead (`package`, `build`, `swift-distill`). A directory inside
    ///     another is mapped first (Swift's prefix map takes the first prefix that matches);
    ///     a directory whose path holds `=` cannot be written as a mapping and is left out.
    ///   - hasLLD: whether the toolchain has `ld.lld` (``toolchainHasLLD(swift:)``).
    public static func swiftBuildFlags(
        remapping directories: [(path: String, name: String)],
        hasLLD: Bool
    ) -> [String] {
        var flags = ["-Xswiftc", "-Xfrontend", "-Xswiftc", "-disable-incremental-llvm-codegen"]
        if hasLLD { flags += ["-Xswiftc", "-use-ld=lld"] }
        var seen: Set<String> = []
        let unique = directories.filter { !$0.path.contains("=") && seen.insert($0.path).inserted }
        for (path, name) in nestedFirst(unique) {
            flags += ["-Xswiftc", "-file-prefix-map", "-Xswiftc", "\(path)=/distill/\(name)"]
            flags += ["-Xcc", "-ffile-prefix-map=\(path)=/distill/\(name)"]
        }
        return flags
    }

    /// Whether `ld.lld` is next to `swift` (after resolving links, as in a toolchain's `usr/bin`).
    public static func toolchainHasLLD(swift: String) -> Bool {
        let resolved = URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent()
        return FileManager.default.isExecutableFile(atPath: resolved.appendingPathComponent("ld.lld").path)
    }

    /// `directories` in their order, except that one inside another comes before it.
    static func nestedFirst(_ directories: [(path: String, name: String)]) -> [(path: String, name: String)] {
        var remaining = directories
        var ordered: [(path: String, name: String)] = []
        while !remaining.isEmpty {
            let index =
                remaining.indices.first { candidate in
                    !remaining.contains { $0.path.hasPrefix(remaining[candidate].path + "/") }
                } ?? remaining.startIndex
            ordered.append(remaining.remove(at: index))
        }
        return ordered
    }
}
