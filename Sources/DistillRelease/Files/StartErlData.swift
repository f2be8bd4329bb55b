//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// `releases/start_erl.data`: which runtime and which release a boot starts,
/// one line `ErtsVsn RelVsn`.
///
/// Not a term file. OTP's `release_handler` writes exactly the two versions joined by
/// one space, without a line break (`EVsn ++ " " ++ Vsn`); ``text`` does the same.
/// Reading accepts one trailing line break (`\n` or `\r\n`), as OTP's install scripts
/// write one. Both versions must be safe names (``ReleaseName``).
public struct StartErlData: Hashable, Sendable {
    /// The runtime version to boot.
    public var ertsVersion: String
    /// The release version to boot.
    public var releaseVersion: String

    public init(ertsVersion: String, releaseVersion: String) {
        self.ertsVersion = ertsVersion
        self.releaseVersion = releaseVersion
    }

    /// The file's contents, as OTP writes them.
    public var text: String { "\(ertsVersion) \(releaseVersion)" }

    /// Reads the file's contents.
    public init(parsing text: String, file: String) throws(ReleaseFileError) {
        // Scalars, not Characters: "\r\n" is one Character.
        var scalars = Substring(text).unicodeScalars
        if scalars.last == "\n" { scalars.removeLast() }
        if scalars.last == "\r", text.unicodeScalars.last == "\n" { scalars.removeLast() }
        let line = Substring(scalars)
        func fail(_ column: Int, _ message: String) -> ReleaseFileError {
            ReleaseFileError(
                code: .wrongShape,
                message: message,
                file: file,
                location: SourceLocation(file: file, line: 1, column: column)
            )
        }
        let expected = "start_erl.data must be one line 'ErtsVsn RelVsn'"
        if line.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw ReleaseFileError(
                code: .wrongShape,
                message: "\(expected), found more than one line",
                file: file,
                location: SourceLocation(file: file, line: 2, column: 1)
            )
        }
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
            throw fail(1, "\(expected), found '\(line)'")
        }
        let whitespace: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace }
        for (offset, field) in [(0, fields[0]), (fields[0].unicodeScalars.count + 1, fields[1])] {
            if let index = field.unicodeScalars.firstIndex(where: whitespace) {
                let column = offset + field.unicodeScalars[..<index].count + 1
                throw fail(column, "\(expected), found whitespace inside a version")
            }
        }
        let roles = ["the erts version", "the release version"]
        for (index, (offset, field)) in [(0, fields[0]), (fields[0].unicodeScalars.count + 1, fields[1])].enumerated() {
            if let problem = ReleaseName.problem(in: String(field)) {
                throw ReleaseFileError(
                    code: .unsafeName,
                    message: "\(roles[index]) \(ReleaseName.quoted(String(field))) cannot name a directory: \(problem)",
                    file: file,
                    location: SourceLocation(file: file, line: 1, column: offset + 1)
                )
            }
        }
        ertsVersion = String(fields[0])
        releaseVersion = String(fields[1])
    }
}
