//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// The version an appup entry upgrades from or downgrades to: a string, or a binary
/// holding a regular expression (`<<"0\\.1\\.[0-9]+">>`).
public enum AppupVersion: Hashable, Sendable {
    /// A version, matched exactly.
    case exact(String)
    /// A regular expression that must match the whole version.
    case pattern(VersionPattern)

    /// Whether this entry applies to `version`, as `systools_relup` decides it.
    public func matches(_ version: String) -> Bool {
        switch self {
        case .exact(let exact): exact == version
        case .pattern(let pattern): pattern.matches(version)
        }
    }

    /// A string, or a binary holding the pattern's UTF-8 text.
    public var term: Term {
        switch self {
        case .exact(let version): .string(version)
        case .pattern(let pattern): .binary(pattern.source)
        }
    }

    init(node: Node) throws(ReleaseFileError) {
        if let version = node.term.stringValue {
            self = .exact(version)
        } else if let bytes = node.term.binaryValue {
            guard let source = String(validating: bytes, as: UTF8.self) else {
                throw node.error(.invalidPattern, "version pattern \(node.snippet) is not valid UTF-8")
            }
            do {
                self = .pattern(try VersionPattern(source))
            } catch {
                throw node.error(.invalidPattern, "invalid version pattern \(node.snippet): \(error.reason)")
            }
        } else {
            throw node.wrongShape("a version in an appup", "a string or a binary holding a regular expression")
        }
    }
}

/// A regular expression over versions, as an appup writes it in a binary.
///
/// OTP matches it with `re:run(Vsn, Pattern, [unicode, {capture, first, list}])` and
/// takes the entry only if that first match is the whole version. So the pattern is
/// not anchored, but a match counts only when it spans the version: `<<"1\\.0">>`
/// matches `"1.0"`, not `"11.0"`; and, as in PCRE, alternatives are tried in order,
/// so `<<"1|10">>` does not match `"10"` (the first match is `"1"`).
///
/// Patterns run on Swift's `Regex` engine with Unicode-scalar semantics and
/// ASCII-only `\d`, `\w`, `\s` and POSIX classes, which is how PCRE runs them under
/// `re`'s `unicode` option (without `ucp`). The syntax people write for versions
/// (literals, escapes such as `\.`, classes, groups, alternation, quantifiers
/// including lazy and possessive ones, anchors, `(?i)`, named groups, backreferences,
/// `\Q...\E`) behaves as in PCRE. PCRE features that Swift's engine lacks, notably
/// lookbehind (`(?<=...)`, `(?<!...)`), recursion and conditionals, are rejected when
/// the appup is read, with the engine's reason, rather than accepted and mismatched.
public struct VersionPattern: Hashable, Sendable, CustomStringConvertible {
    /// Why a pattern was rejected.
    public struct InvalidPattern: Error, Hashable, Sendable {
        /// The regular expression engine's explanation.
        public var reason: String
    }

    /// The pattern's text.
    public let source: String

    /// Compiles `source` to check it.
    public init(_ source: String) throws(InvalidPattern) {
        do {
            _ = try Self.compile(source)
        } catch {
            throw InvalidPattern(reason: String(describing: error))
        }
        self.source = source
    }

    public var description: String { source }

    /// Whether the first match of the pattern in `version` is all of `version`.
    public func matches(_ version: String) -> Bool {
        // `Regex` is not Sendable, so the pattern is kept as text and compiled here;
        // `init` has already checked that it compiles.
        guard let regex = try? Self.compile(source), let match = try? regex.firstMatch(in: version) else {
            return false
        }
        return match.range == version.startIndex..<version.endIndex
    }

    private static func compile(_ source: String) throws -> Regex<AnyRegexOutput> {
        try Regex(source).matchingSemantics(.unicodeScalar).asciiOnlyCharacterClasses()
    }
}
