//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import Foundation

/// Packs a realistic release tree (the Swift runtime's shared libraries, ~40 MB, plus a few
/// hundred small text files) with `TarballWriter` and with GNU tar + gzip (`tar -czf`), and
/// unpacks the result with `ReleaseArchive` and with `tar -xzf`, alternating in each run.
struct PackBenchmark {
    var runs = 5
    var libraryDirectory = "/opt/swift/usr/lib/swift/linux"
    var treeBytes = 40 << 20
    var smallFiles = 300
    var level = 6

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                    throw BenchmarkError("--runs needs a positive number")
                }
                runs = value
            case "--level":
                guard let value = iterator.next().flatMap(Int.init), (1...9).contains(value) else {
                    throw BenchmarkError("--level needs a gzip level from 1 to 9")
                }
                level = value
            default:
                throw BenchmarkError("unknown argument '\(argument)'")
            }
        }
    }

    func run() throws {
        let fileManager = FileManager.default
        let work = fileManager.temporaryDirectory.appendingPathComponent("distill-bench-pack-\(getpid())").path
        try fileManager.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(atPath: work) }
        let tree = work + "/kv"
        let (files, bytes) = try makeTree(at: tree)
        print(
            "pack: tree of \(files) files, \(bytes / 1_000_000) MB (\(libraryDirectory)/*.so + \(smallFiles) text files)"
        )

        var ours = Stats("TarballWriter (libarchive)")
        var tar = Stats("tar -czf (GNU tar + gzip)")
        var unpackOurs = Stats("ReleaseArchive.extract")
        var unpackTar = Stats("tar -xzf")
        var listOurs = Stats("ReleaseArchive.list")
        var listTar = Stats("tar -tzf")
        var oursSize = 0
        var tarSize = 0
        let writer = TarballWriter(compressionLevel: level)
        for run in 0..<runs {
            let ourTarball = "\(work)/ours-\(run).tar.gz"
            let tarTarball = "\(work)/tar-\(run).tar.gz"
            let packOurs = { try ours.measure { try writer.pack(directory: tree, to: ourTarball) } }
            let packTar = { try tar.measure { try Self.shell(["tar", "-czf", tarTarball, "-C", tree, "."]) } }
            if run % 2 == 0 {
                try packOurs()
                try packTar()
            } else {
                try packTar()
                try packOurs()
            }
            oursSize = try Self.size(ourTarball)
            tarSize = try Self.size(tarTarball)

            let ourTarget = "\(work)/unpacked-ours-\(run)"
            let tarTarget = "\(work)/unpacked-tar-\(run)"
            try fileManager.createDirectory(atPath: tarTarget, withIntermediateDirectories: false)
            let extractOurs = { _ = try unpackOurs.measure { try ReleaseArchive.extract(ourTarball, into: ourTarget) } }
            let extractTar = { try unpackTar.measure { try Self.shell(["tar", "-xzf", ourTarball, "-C", tarTarget]) } }
            if run % 2 == 0 {
                try extractOurs()
                try extractTar()
            } else {
                try extractTar()
                try extractOurs()
            }
            _ = try listOurs.measure { try ReleaseArchive.list(ourTarball) }
            try listTar.measure { try Self.shell(["tar", "-tzf", ourTarball], quiet: true) }
            for path in [ourTarball, tarTarball, ourTarget, tarTarget] { try fileManager.removeItem(atPath: path) }
        }
        print("pack (gzip level \(level) for ours, 6 for tar -czf; ours also fsyncs the tarball before renaming it):")
        print("  " + ours.summary() + "  size \(oursSize) bytes")
        print("  " + tar.summary() + "  size \(tarSize) bytes")
        print("unpack (of TarballWriter's tarball; ours validates fully, then extracts):")
        print("  " + unpackOurs.summary())
        print("  " + unpackTar.summary())
        print("list (validation pass alone: inflate, parse, check every entry; nothing written):")
        print("  " + listOurs.summary())
        print("  " + listTar.summary())
    }

    /// A release-shaped tree: `erts-*/lib/*.so` up to `treeBytes`, text files in `lib/*/ebin`.
    private func makeTree(at root: String) throws -> (files: Int, bytes: Int) {
        let fileManager = FileManager.default
        var files = 0
        var bytes = 0
        let runtime = root + "/erts-6.3.1-1.0.0/lib"
        try fileManager.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        for name in try fileManager.contentsOfDirectory(atPath: libraryDirectory).sorted()
        where name.hasSuffix(".so") {
            let source = libraryDirectory + "/" + name
            let size = try Self.size(source)
            if bytes + size > treeBytes { continue }
            try fileManager.copyItem(atPath: source, toPath: runtime + "/" + name)
            bytes += size
            files += 1
        }
        for index in 0..<smallFiles {
            let directory = root + "/lib/app\(index % 30)-0.1.0/ebin"
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var text = "{application, app\(index % 30), [{vsn, \"0.1.0\"}, {modules, ["
            for module in 0..<(20 + index % 50) { text += "'Module\(index)_\(module)', " }
            text += "]}]}.\n"
            try text.write(toFile: directory + "/file\(index).app", atomically: false, encoding: .utf8)
            bytes += text.utf8.count
            files += 1
        }
        return (files, bytes)
    }

    private static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    private static func shell(_ command: [String], quiet: Bool = false) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if quiet { process.standardOutput = FileHandle.nullDevice }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("\(command.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
