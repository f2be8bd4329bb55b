//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillRelease
import Foundation

/// `swift-distill release` of Fixtures/kv on a no-op rebuild against plain `swift build` of
/// the same product (the overhead of everything the release adds: launcher, manifest,
/// fingerprints, runtime, files, tarball), then packing the release's own tree with
/// `TarballWriter` against `tar -czf`, runs alternating.
///
/// The fixture is laid out in `.build-fixtures/kv-bench/` (its `.build` persists, so only the
/// first run of `make bench` compiles swift-nio); the first release there is reported apart.
struct ReleaseBenchmark {
    var runs = 7
    var environment = "prod"

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                    throw BenchmarkError("--runs needs a positive number")
                }
                runs = value
            case "--env":
                guard let value = iterator.next() else { throw BenchmarkError("--env needs dev or prod") }
                environment = value
            default:
                throw BenchmarkError("unknown argument '\(argument)'")
            }
        }
    }

    func run() throws {
        let fileManager = FileManager.default
        let root = fileManager.currentDirectoryPath
        let fixture = root + "/Fixtures/kv"
        guard fileManager.fileExists(atPath: fixture + "/Package.swift") else {
            throw BenchmarkError("run from the repository's root (no Fixtures/kv here)")
        }
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("swift-distill").path
        guard fileManager.isExecutableFile(atPath: tool) else {
            throw BenchmarkError(
                "no swift-distill next to distill-bench: swift build -c release --product swift-distill"
            )
        }
        let work = root + "/.build-fixtures/kv-bench"
        try Self.layOut(fixture, at: work)
        let config = try ConfigLoader.load(packageDirectory: work)
        let configuration = try ConfigLoader.settings(config, release: nil, environment: environment).configuration

        say("release: Fixtures/kv in \(work), environment \(environment) (swift build -c \(configuration.rawValue))")
        var first = Stats("first release (may compile)")
        try first.measure { try Self.shell([tool, "release", "--env", environment], in: work) }
        say("  " + first.summary(nameWidth: 34))

        var release = Stats("swift-distill release (no-op)")
        var build = Stats("swift build --product KV (no-op)")
        let releaseRun = {
            try release.measure { try Self.shell([tool, "release", "--env", self.environment], in: work) }
        }
        let buildRun = {
            try build.measure {
                try Self.shell(["swift", "build", "-c", configuration.rawValue, "--product", "KV"], in: work)
            }
        }
        for run in 0..<runs {
            if run % 2 == 0 {
                try releaseRun()
                try buildRun()
            } else {
                try buildRun()
                try releaseRun()
            }
        }
        say("  " + release.summary(nameWidth: 34))
        say("  " + build.summary(nameWidth: 34))
        let overhead = release.median - build.median
        say(
            "  overhead of release over swift build: \(format(overhead * 1000, 0)) ms (median), ratio "
                + "\(format(release.median / build.median, 2))x; goal: under 1000 ms"
        )
        try comparePacking(releaseRoot: work + "/_build/\(environment)/rel/kv")
    }

    /// Packs the release's tree (its tarball left out) both ways.
    private func comparePacking(releaseRoot: String) throws {
        let fileManager = FileManager.default
        let scratch = fileManager.temporaryDirectory.appendingPathComponent("distill-bench-release-\(getpid())").path
        defer { try? fileManager.removeItem(atPath: scratch) }
        let tree = scratch + "/tree"
        try fileManager.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try Self.shell(["cp", "-a", releaseRoot, tree], in: scratch)
        let version =
            try String(contentsOfFile: tree + "/releases/start_erl.data", encoding: .utf8)
            .split(separator: " ").last.map(String.init) ?? ""
        for name in try fileManager.contentsOfDirectory(atPath: tree + "/releases") where name != version {
            if name != "RELEASES" && name != "start_erl.data" {
                try fileManager.removeItem(atPath: tree + "/releases/" + name)
            }
        }
        try? fileManager.removeItem(atPath: tree + "/releases/\(version)/kv.tar.gz")
        var treeBytes = 0
        for path in try fileManager.subpathsOfDirectory(atPath: tree) {
            treeBytes += (try fileManager.attributesOfItem(atPath: tree + "/" + path)[.size] as? Int) ?? 0
        }
        var ours = Stats("TarballWriter (libarchive)")
        var tar = Stats("tar -czf (GNU tar + gzip)")
        var oursSize = 0
        var tarSize = 0
        for run in 0..<runs {
            let packOurs = {
                try ours.measure { try TarballWriter().pack(directory: tree, to: scratch + "/ours.tar.gz") }
                oursSize = (try fileManager.attributesOfItem(atPath: scratch + "/ours.tar.gz")[.size] as? Int) ?? 0
            }
            let packTar = {
                try tar.measure {
                    try Self.shell(["tar", "-czf", scratch + "/tar.tar.gz", "-C", tree, "."], in: scratch)
                }
                tarSize = (try fileManager.attributesOfItem(atPath: scratch + "/tar.tar.gz")[.size] as? Int) ?? 0
            }
            if run % 2 == 0 {
                try packOurs()
                try packTar()
            } else {
                try packTar()
                try packOurs()
            }
        }
        say("packing the release's tree (\(format(Double(treeBytes) / 1_000_000, 1)) MB):")
        say("  " + ours.summary(nameWidth: 34) + "  size \(oursSize) bytes")
        say("  " + tar.summary(nameWidth: 34) + "  size \(tarSize) bytes")
        say(
            "  time ratio ours/tar \(format(ours.median / tar.median, 2)) (goal: at most 1), size ratio "
                + "\(format(Double(oursSize) / Double(max(tarSize, 1)), 3))"
        )
    }

    /// Makes `work` hold the fixture's base tree (not `versions/`), rewriting only files that differ.
    static func layOut(_ fixture: String, at work: String) throws {
        let fileManager = FileManager.default
        for path in try fileManager.subpathsOfDirectory(atPath: fixture) {
            if path == "versions" || path.hasPrefix("versions/") { continue }
            var isDirectory: ObjCBool = false
            _ = fileManager.fileExists(atPath: fixture + "/" + path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            let contents = try Data(contentsOf: URL(fileURLWithPath: fixture + "/" + path))
            let destination = work + "/" + path
            if (try? Data(contentsOf: URL(fileURLWithPath: destination))) == contents { continue }
            try fileManager.createDirectory(
                atPath: (destination as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try contents.write(to: URL(fileURLWithPath: destination))
        }
    }

    /// Runs `command` in `directory`, output discarded; throws if it fails.
    static func shell(_ command: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError(
                "\(command.joined(separator: " ")) failed:\n" + String(decoding: output, as: UTF8.self)
            )
        }
    }
}
