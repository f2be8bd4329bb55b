//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation

/// The one term of `text` (with or without its final `.`), located as the parser locates it.
func located(_ text: String, file: String = "test") throws -> LocatedTerm {
    let source = text.hasSuffix(".") ? text : text + "."
    let terms = try TermParser.parseAllLocated(source, file: file)
    guard terms.count == 1 else { throw TestFailure("expected one term in \(text), found \(terms.count)") }
    return terms[0]
}

/// The one term of `text`.
func term(_ text: String) throws -> Term {
    try located(text).term
}

/// The problems `ReleaseFileChecker` finds in `source`, as compiler-style lines.
func problems(_ source: String, kind: ReleaseFileKind, file: String = "test") -> [String] {
    ReleaseFileChecker.check(source, kind: kind, file: file).map(\.description)
}

/// A located term with no child locations, as a decoder sees a term built in code.
func unlocated(_ term: Term) -> LocatedTerm {
    LocatedTerm(term: term, location: SourceLocation(file: "code", line: 1, column: 1))
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// OTP's worked appup → relup examples (`Tests/otp-cases`).
let otpCases = Repository.otpCases

/// The error `body` throws, or `nil` if it returns.
func thrown<T>(_ body: () throws(ReleaseFileError) -> T) -> ReleaseFileError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
