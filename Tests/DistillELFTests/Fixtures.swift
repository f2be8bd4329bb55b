//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation

/// Small Swift modules compiled by the real compiler into object files.
struct CompiledModule {
    let directory: TemporaryDirectory
    let objectPaths: [String]

    /// Compiles `sources` (file name → text) as module `module` into one object per file
    /// (or one per module with `wholeModule`), with `-g` unless `debugInfo` is false, and
    /// any other `flags` for `swiftc`.
    init(
        _ sources: [String: String],
        module: String = "Demo",
        optimization: String = "-O",
        wholeModule: Bool = false,
        debugInfo: Bool = true,
        flags: [String] = []
    ) throws {
        let directory = try TemporaryDirectory(prefix: "distill-elf")
        self.directory = directory
        let fileManager = FileManager.default
        let sourceDirectory = directory.url.appendingPathComponent("Sources")
        try fileManager.createDirectory(at: sourceDirectory, withIntermediateDirectories: true)
        var sourcePaths: [String] = []
        for (name, text) in sources.sorted(by: { $0.key < $1.key }) {
            let url = sourceDirectory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            sourcePaths.append("Sources/\(name)")
        }
        var arguments = [optimization, "-parse-as-library", "-module-name", module, "-c"] + flags
        if debugInfo { arguments.append("-g") }
        if wholeModule {
            arguments += ["-wmo", "-num-threads", "0", "-o", "\(module).o"]
        }
        try runProcess(Toolchain.swiftc, arguments + sourcePaths, currentDirectory: directory.url)
        objectPaths =
            wholeModule
            ? [directory.path + "/\(module).o"]
            : sources.keys.sorted().map { directory.path + "/" + ($0 as NSString).deletingPathExtension + ".o" }
    }

    func objects() throws -> [ELFFile] { try objectPaths.map { try ELFFile(path: $0) } }

    func fingerprints() throws -> [String: Fingerprint] { try SymbolFingerprinter.fingerprints(of: objects()) }
}
