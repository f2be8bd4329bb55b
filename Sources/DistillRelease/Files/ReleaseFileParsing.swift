//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// Reading a release file's text: parse errors and a wrong number of terms reported
/// as ``ReleaseFileError``s.
enum ReleaseFileParsing {
    /// Every term of `source`, located.
    static func terms(_ source: String, file: String) throws(ReleaseFileError) -> [LocatedTerm] {
        do {
            return try TermParser.parseAllLocated(source, file: file)
        } catch {
            throw ReleaseFileError(error)
        }
    }

    /// Every term of the file contents `bytes` (UTF-8, or Latin-1 with a coding comment).
    static func terms(bytes: some Collection<UInt8>, file: String) throws(ReleaseFileError) -> [LocatedTerm] {
        do {
            return try TermParser.parseAllLocated(bytes: bytes, file: file)
        } catch {
            throw ReleaseFileError(error)
        }
    }

    /// The one term of `source`, a file of `kind` that holds exactly one.
    static func single(_ source: String, file: String, kind: ReleaseFileKind) throws(ReleaseFileError) -> LocatedTerm {
        try single(terms(source, file: file), file: file, what: kind.noun)
    }

    /// The one term of a file that must hold exactly one (`what`, such as "an .app file").
    static func single(_ terms: [LocatedTerm], file: String, what: String) throws(ReleaseFileError) -> LocatedTerm {
        guard let first = terms.first else {
            throw ReleaseFileError(
                code: .wrongTermCount,
                message: "\(what) must hold one term, found none",
                file: file,
                location: nil
            )
        }
        guard terms.count == 1 else {
            let second = terms[1]
            throw ReleaseFileError(
                code: .wrongTermCount,
                message: "\(what) must hold one term, found \(terms.count)",
                file: file,
                location: second.location,
                entry: second.term
            )
        }
        return first
    }
}

// MARK: - Reading files

extension ApplicationSpec {
    /// Reads the text of an `.app` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.single(source, file: file, kind: .app), file: file)
    }

    /// The file's text, as OTP writes it.
    public var fileContents: String { TermPrinter.file([term]) }
}

extension ReleaseSpec {
    /// Reads the text of a `.rel` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.single(source, file: file, kind: .rel), file: file)
    }

    /// The file's text, as OTP writes it.
    public var fileContents: String { TermPrinter.file([term]) }
}

extension Appup {
    /// Reads the text of an `.appup` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.single(source, file: file, kind: .appup), file: file)
    }

    /// The file's text.
    public var fileContents: String { TermPrinter.file([term]) }
}

extension Relup {
    /// Reads the text of a `relup` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.single(source, file: file, kind: .relup), file: file)
    }

    /// The file's text as `systools` writes it: `%% utf-8`, then the term.
    public var fileContents: String { TermPrinter.file([term], header: "utf-8") }
}

extension ReleasesFile {
    /// Reads the text of a `RELEASES` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.single(source, file: file, kind: .releases), file: file)
    }

    /// The file's text as `release_handler` writes it: `%% utf-8`, then the term.
    public var fileContents: String { TermPrinter.file([term], header: "utf-8") }
}

extension SysConfig {
    /// Reads the text of a `sys.config` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.single(source, file: file, kind: .sysConfig), file: file)
    }

    /// The file's text.
    public var fileContents: String { TermPrinter.file([term]) }
}

extension DistillConfig {
    /// Reads the text of a `rel/config` file.
    public init(parsing source: String, file: String) throws(ReleaseFileError) {
        try self.init(located: ReleaseFileParsing.terms(source, file: file), file: file)
    }

    /// The file's text: one term per entry.
    public var fileContents: String { TermPrinter.file(terms) }
}

extension SysConfig {
    /// Reads the text of a `sys.config` after replacing its `${VAR}` references with
    /// `environment` (``VariableSubstitution``): what a release does at boot.
    public init(parsing source: String, file: String, environment: [String: String]) throws(ReleaseFileError) {
        let term = try ReleaseFileParsing.single(source, file: file, kind: .sysConfig)
        try self.init(
            located: VariableSubstitution.substitute(in: term, environment: environment, file: file),
            file: file
        )
    }
}
