//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// The `swift-distill` executable: help, exit statuses, messages, `--json`.
struct CommandLineTests {
    /// `swift-distill` next to the test bundle (`swift build --build-tests` builds both).
    static let executable: String = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return bundle.appendingPathComponent("swift-distill").path
    }()

    /// Runs `swift-distill ARGUMENTS`: exit status, standard output and standard error (merged on failure).
    static func run(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build swift-distill first")
        do {
            let output = try runProcess(
                executable,
                arguments,
                currentDirectory: directory.map { URL(fileURLWithPath: $0) },
                timeout: .seconds(900)
            )
            return (0, output)
        } catch let failure as ProcessFailure {
            return (failure.status, failure.output)
        }
    }

    @Test(arguments: [
        ("init", ["--force", "--package-path"]),
        ("release", ["--env", "--name", "--upgrade", "--upfrom", "--from-release", "--no-tar", "--json", "--verbose"]),
        ("plan", ["--env", "--name", "--upfrom", "--from-release", "--json"]),
        ("appup", ["--upfrom", "--app", "--force", "--from-release"]),
    ])
    func everyCommandHasHelp(command: String, options: [String]) throws {
        let (status, output) = try Self.run([command, "--help"])
        #expect(status == 0)
        for option in options { #expect(output.contains(option), "\(command) --help mentions \(option)") }
    }

    @Test func releaseWithoutConfigExitsWithStatusTwo() throws {
        let directory = try TemporaryDirectory()
        let (status, output) = try Self.run(["release"], in: directory.path)
        #expect(status == 2)
        #expect(
            output.hasSuffix(
                "error: no rel/config in '\(URL(fileURLWithPath: directory.path).standardizedFileURL.path)': "
                    + "it says which "
                    + "releases to build\nnote: run 'swift-distill init' to write one for this package\n"
            )
        )
    }

    @Test func malformedConfigIsReportedLikeACompiler() throws {
        let package = try TemporaryPackage(["rel/config": "{release, kv, [{applications, [kv]}]\n"])
        let (status, output) = try Self.run(["release", "--package-path", package.path])
        #expect(status == 2)
        #expect(output.contains("rel/config:2:1: error: "))
    }

    /// `init` writes rel/config for the fixture (one application, kv) and will not overwrite it.
    @Test func initWritesAConfigForThePackage() async throws {
        try await FixtureWorkspace.kv.withVersion("0.1.0") { directory in
            let refused = try Self.run(["init"], in: directory.path)
            #expect(refused.status == 2)
            #expect(refused.output.contains("error: 'rel/config' exists already\nnote: pass --force to replace it"))
            let written = try Self.run(["init", "--force"], in: directory.path)
            #expect(written.status == 0, "\(written.output)")
            let text = try String(contentsOfFile: directory.path + "/rel/config", encoding: .utf8)
            let config = try DistillConfig(parsing: text, file: "rel/config")
            #expect(config.releases.map(\.name) == ["kv"])
            #expect(config.releases[0].applications == [ReleaseApplication(name: "kv", product: "KV")])
        }
    }

    /// `release --json` prints what was built, and `plan --json` the plan, as data.
    @Test func releaseAndPlanPrintJSON() async throws {
        let base = try await KVReleases.v010()
        try await FixtureWorkspace.kv.withVersion("0.2.0") { directory in
            let (status, output) = try Self.run(
                ["plan", "--json", "--from-release", base.tarball],
                in: directory.path
            )
            #expect(status == 0, "\(output)")
            let plans = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]
            let plan = try #require(plans?.first)
            #expect(plan["from"] as? String == "0.1.0")
            let applications = (plan["plan"] as? [String: Any])?["applications"] as? [[String: Any]]
            #expect(applications?.first?["soft_updated"] as? [String] == ["KV"])

            let release = try Self.run(
                ["release", "--no-tar", "--json", "--upgrade", "--from-release", base.tarball],
                in: directory.path
            )
            #expect(release.status == 0, "\(release.output)")
            let result = try JSONSerialization.jsonObject(with: Data(release.output.utf8)) as? [String: Any]
            #expect(result?["name"] as? String == "kv" && result?["version"] as? String == "0.2.0")
            #expect(result?["tarball"] == nil)
            #expect((result?["erts_version"] as? String)?.hasPrefix("6.") == true)
            let upgrades = result?["upgrades"] as? [[String: Any]]
            #expect(upgrades?.first?["from"] as? String == "0.1.0")
        }
    }

    /// Outside a terminal, `release` prints one line per step, numbered once each from 1 to
    /// the total it planned (the upgrade step counted only when it plans one).
    @Test func releaseNumbersEveryStepOnce() async throws {
        let base = try await KVReleases.v010()
        try await FixtureWorkspace.kv.withVersion("0.2.0") { directory in
            let command = ([Self.executable, "release", "--no-tar", "--upgrade", "--from-release", base.tarball])
                .map { "'\($0)'" }.joined(separator: " ")
            let progress = try runProcess(
                "/bin/sh",
                ["-c", command + " 2>&1 >/dev/null"],
                currentDirectory: URL(fileURLWithPath: directory.path),
                timeout: .seconds(900)
            )
            let numbers = progress.split(separator: "\n").compactMap { line -> (Int, Int)? in
                guard let match = line.prefixMatch(of: #/\[(\d+)/(\d+)\] /#) else { return nil }
                return (Int(match.1)!, Int(match.2)!)
            }
            // configure, build kv, build the launcher, manifest, runtime, snapshot, upgrade, assemble
            #expect(numbers.map(\.0) == Array(1...8), "\(progress)")
            #expect(numbers.allSatisfy { $0.1 == 8 }, "\(progress)")
        }
    }

    /// `appup` writes the generated appup for review, and keeps one already there.
    @Test func appupWritesTheGeneratedAppupForReview() async throws {
        let base = try await KVReleases.v010()
        try await FixtureWorkspace.kv.withVersion("0.2.0") { directory in
            let arguments = ["appup", "--upfrom", "0.1.0", "--from-release", base.tarball]
            let (status, output) = try Self.run(arguments, in: directory.path)
            #expect(status == 0, "\(output)")
            #expect(output == "wrote rel/appups/kv/0.1.0_to_0.2.0.appup\n")
            let path = directory.path + "/rel/appups/kv/0.1.0_to_0.2.0.appup"
            let appup = try Appup(parsing: String(contentsOfFile: path, encoding: .utf8), file: path)
            #expect(appup.upgradeInstructions(from: "0.1.0")?.map(\.term.description) == ["{update,'KV',[]}"])
            let again = try Self.run(arguments, in: directory.path)
            #expect(again.status == 2)
            #expect(again.output.contains("error: 'rel/appups/kv/0.1.0_to_0.2.0.appup' exists already"))
        }
    }
}
