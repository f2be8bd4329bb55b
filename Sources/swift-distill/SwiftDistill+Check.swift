//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DistillRelease
import DistillTerm
import Foundation

extension SwiftDistill {
    /// `swift-distill check FILE...`: reads release files and reports every problem.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check release files (.app, .rel, .appup, relup, RELEASES, start_erl.data, sys.config, rel/config).",
            discussion: """
                Reports every problem it can find in each file, like a compiler, and exits with status 1 if any \
                file has an error (warnings alone exit 0). The kind of each file comes from its name: *.app, \
                *.rel, *.appup, relup, RELEASES, start_erl.data, sys.config or *.sys.config, and config or \
                *.config (a rel/config); --kind overrides it for every file.
                """
        )

        @Argument(help: "The files to check.")
        var files: [String]

        @Option(
            help: ArgumentHelp(
                "The kind of every file, instead of guessing it from the name.",
                valueName: ReleaseFileKind.allCases.map(\.rawValue).joined(separator: "|")
            ),
            transform: { (text: String) throws -> ReleaseFileKind in
                guard let kind = ReleaseFileKind(rawValue: text) else {
                    let kinds = ReleaseFileKind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ValidationError("unknown kind '\(text)': use one of \(kinds)")
                }
                return kind
            }
        )
        var kind: ReleaseFileKind?

        @Flag(help: "Print a JSON report on standard output instead of compiler-style messages.")
        var json = false

        func run() throws {
            let reports = files.map(check)
            if json {
                FileHandle.standardOutput.write(try JSONReport(reports).encoded())
                FileHandle.standardOutput.write(Data("\n".utf8))
            } else {
                printText(reports)
            }
            if reports.contains(where: { !$0.isOK }) { throw ExitCode(1) }
        }

        /// The problems of one file.
        struct FileReport {
            var file: String
            var kind: ReleaseFileKind?
            var source: String?
            var problems: [ReleaseFileError]

            var isOK: Bool { !problems.contains { $0.severity == .error } }
        }

        private func check(_ file: String) -> FileReport {
            guard let kind = kind ?? ReleaseFileKind(path: file) else {
                let kinds = ReleaseFileKind.allCases.map(\.rawValue).joined(separator: ", ")
                return FileReport(
                    file: file,
                    kind: nil,
                    source: nil,
                    problems: [
                        ReleaseFileError(
                            code: .unknownFileKind,
                            message: "cannot tell what kind of file '\(file)' is from its name; give --kind (\(kinds))",
                            file: file,
                            location: nil
                        )
                    ]
                )
            }
            let bytes: [UInt8]
            do {
                bytes = try readFile(file)
            } catch {
                return FileReport(
                    file: file,
                    kind: kind,
                    source: nil,
                    problems: [
                        ReleaseFileError(
                            code: .unreadableFile,
                            message: "cannot read '\(file)': \(error.reason)",
                            file: file,
                            location: nil
                        )
                    ]
                )
            }
            return FileReport(
                file: file,
                kind: kind,
                source: String(decoding: bytes, as: UTF8.self),
                problems: ReleaseFileChecker.check(bytes: bytes, kind: kind, file: file)
            )
        }

        private func printText(_ reports: [FileReport]) {
            var errors = 0
            var warnings = 0
            for report in reports {
                for problem in report.problems {
                    FileHandle.standardError.write(Data((problem.rendered(source: report.source) + "\n").utf8))
                    if problem.severity == .error { errors += 1 } else { warnings += 1 }
                }
                if report.isOK { print("\(report.file): ok (\(report.kind?.rawValue ?? "?"))") }
            }
            let checked = "\(reports.count) file\(reports.count == 1 ? "" : "s")"
            print("checked \(checked): \(count(errors, "error")), \(count(warnings, "warning"))")
        }

        private func count(_ number: Int, _ noun: String) -> String {
            "\(number) \(noun)\(number == 1 ? "" : "s")"
        }
    }
}

/// `swift-distill check --json`: one object per file, problems with positions and codes.
struct JSONReport: Encodable {
    struct File: Encodable {
        var file: String
        var kind: String?
        var ok: Bool
        var errors: [Problem]
        var warnings: [Problem]
    }

    struct Problem: Encodable {
        var file: String
        var line: Int?
        var column: Int?
        var code: String
        var message: String

        init(_ problem: ReleaseFileError) {
            file = problem.file
            line = problem.location?.line
            column = problem.location?.column
            code = problem.code.name
            message = problem.message
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(line, forKey: .line)  // null without a position
            try container.encode(column, forKey: .column)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
        }

        enum CodingKeys: String, CodingKey { case file, line, column, code, message }
    }

    var ok: Bool
    var files: [File]

    init(_ reports: [SwiftDistill.Check.FileReport]) {
        files = reports.map { report in
            File(
                file: report.file,
                kind: report.kind?.rawValue,
                ok: report.isOK,
                errors: report.problems.filter { $0.severity == .error }.map(Problem.init),
                warnings: report.problems.filter { $0.severity == .warning }.map(Problem.init)
            )
        }
        ok = files.allSatisfy(\.ok)
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A failed read, with the system's reason (`No such file or directory`).
struct ReadError: Error {
    var reason: String
}

/// The contents of the file at `path`.
func readFile(_ path: String) throws(ReadError) -> [UInt8] {
    func failure() -> ReadError { ReadError(reason: String(cString: strerror(errno))) }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure() }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw failure()
        }
        if count == 0 { return bytes }
        bytes += chunk[..<count]
    }
}
