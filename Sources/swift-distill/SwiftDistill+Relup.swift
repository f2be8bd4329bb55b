//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillBuild
import DistillPlan
import DistillRelease
import DistillTerm
import Foundation

extension SwiftDistill {
    /// `swift-distill relup`: `systools:make_relup(New, UpFrom, DownTo, [{path, Dirs}])`.
    struct Relup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile a relup from appups, as systools:make_relup does.",
            discussion: """
                Reads the new release (--rel), the releases to upgrade from (--from) and to downgrade to (--to, \
                by default the --from list), finds each application's .app and .appup in the --lib directories \
                (DIR/APP-VSN/ebin, then DIR/APP/ebin), and writes the relup: `%% utf-8` and the term, as OTP \
                writes it. Warnings are printed as systools prints them. Exit status: 0 success, 2 a file \
                cannot be read or decoded, 4 the relup cannot be made.
                """
        )

        @Option(name: .customLong("rel"), help: "The .rel of the release upgraded to.")
        var release: String

        @Option(name: .customLong("from"), help: "A .rel to upgrade from (repeatable).")
        var upFrom: [String] = []

        @Option(name: .customLong("to"), help: "A .rel to downgrade to (repeatable; default: the --from list).")
        var downTo: [String] = []

        @Option(name: .customLong("lib"), help: "A directory holding APP-VSN/ebin or APP/ebin (repeatable).")
        var libraries: [String] = []

        @Option(name: .shortAndLong, help: "Where to write the relup.")
        var output = "relup"

        @Flag(help: "Restart the node at the end of every script (systools' restart_emulator).")
        var restartEmulator = false

        @Flag(help: "Fail if there are warnings (systools' warnings_as_errors).")
        var warningsAsErrors = false

        @Flag(help: "Print the relup and the warnings as JSON on standard output.")
        var json = false

        func validate() throws {
            guard !upFrom.isEmpty || !downTo.isEmpty else {
                throw ValidationError("give at least one release to upgrade from (--from) or downgrade to (--to)")
            }
            for path in [release] + upFrom + downTo {
                let file = path.hasSuffix(".rel") ? path : path + ".rel"
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw ValidationError("cannot read the release file '\(file)'")
                }
            }
        }

        func run() throws {
            let loader = RelupFileLoader(libraryDirectories: libraries)
            let compilation: RelupCompilation
            do {
                let new = try loader.load(release: release, withAppups: true)
                let ups = try upFrom.map { path throws(ReleaseFileError) in
                    BaseRelease(try loader.load(release: path, withAppups: false))
                }
                let downs =
                    downTo.isEmpty
                    ? ups
                    : try downTo.map { path throws(ReleaseFileError) in
                        BaseRelease(try loader.load(release: path, withAppups: false))
                    }
                let compiler = RelupCompiler(
                    options: .init(restartEmulator: restartEmulator, warningsAsErrors: warningsAsErrors)
                )
                compilation = try compiler.compile(new, upFrom: ups, downTo: downs)
            } catch let error as ReleaseFileError {
                printError(error.description)
                throw ExitCode(2)
            } catch let error as PlanError {
                printError(error.description)
                throw ExitCode(4)
            }
            try RelupFileWriter.write(compilation.relup, to: output)
            if json {
                let report = RelupReport(compilation, path: output)
                FileHandle.standardOutput.write(try report.encoded())
                FileHandle.standardOutput.write(Data("\n".utf8))
            } else {
                for warning in compilation.warnings { print(warning.systoolsText) }
            }
        }

        private func printError(_ text: String) {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
}

/// The `--json` output: the relup (each instruction in Erlang syntax) and the warnings.
struct RelupReport: Encodable {
    struct Entry: Encodable {
        var version: String
        var description: String
        var instructions: [String]
    }

    struct Warning: Encodable {
        var code: String
        var message: String
        var term: String?
        var application: String?
    }

    var file: String
    var version: String
    var upgrades: [Entry]
    var downgrades: [Entry]
    var warnings: [Warning]

    init(_ compilation: RelupCompilation, path: String) {
        func entries(_ list: [DistillRelease.Relup.Entry]) -> [Entry] {
            list.map {
                Entry(
                    version: $0.version,
                    description: "\($0.description)",
                    instructions: $0.instructions.map { "\($0.term)" }
                )
            }
        }
        file = path
        version = compilation.relup.version
        upgrades = entries(compilation.relup.upgrades)
        downgrades = entries(compilation.relup.downgrades)
        warnings = compilation.warnings.map {
            Warning(
                code: $0.code.name,
                message: $0.message,
                term: $0.term.map { "\($0)" },
                application: $0.application
            )
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
