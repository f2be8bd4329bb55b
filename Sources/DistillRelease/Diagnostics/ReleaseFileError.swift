//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// A problem in a release file (`.app`, `.rel`, `.appup`, `relup`, `RELEASES`,
/// `start_erl.data`, `sys.config`, `rel/config`): where it is, what is wrong, and the
/// entry at fault.
///
/// Decoders throw the first error they find; ``ReleaseFileChecker`` reports every
/// problem it can find, including warnings (``Severity-swift.enum/warning``) about
/// entries OTP accepts but that are probably mistakes.
///
/// ``description`` prints one compiler-style line,
/// `rel/config:7:5: error: unknown release option 'overlay'; did you mean 'overlays'?`;
/// ``rendered(source:)`` adds the source line and a caret under the column.
public struct ReleaseFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is: stable across wording changes, so tools and
    /// tests can match it. ``name`` is the snake_case spelling `--json` reports.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's snake_case name, such as `unknown_key`.
        public let name: String

        private init(_ name: String) { self.name = name }

        public var description: String { name }

        /// The text is not valid Erlang term syntax (reported by the term parser).
        public static var syntax: Self { Self("syntax") }
        /// The file holds the wrong number of terms (most release files hold one).
        public static var wrongTermCount: Self { Self("wrong_term_count") }
        /// A term has the wrong type or shape (`{vsn, 1}` where a string is expected).
        public static var wrongShape: Self { Self("wrong_shape") }
        /// A tuple or form has the wrong number of elements.
        public static var wrongArity: Self { Self("wrong_arity") }
        /// A value has the right type but is not one of the allowed values
        /// (`{load, {m, gentle_purge, brutal_purge}}`, a timeout of `0`).
        public static var invalidValue: Self { Self("invalid_value") }
        /// A key or option that the file kind does not define.
        public static var unknownKey: Self { Self("unknown_key") }
        /// A key that OTP accepts for compatibility but swift-distill does not use.
        public static var unsupportedKey: Self { Self("unsupported_key") }
        /// A key or entry that must be present is missing.
        public static var missingKey: Self { Self("missing_key") }
        /// A name or version that a release pastes into a path (`lib/APP-VSN`, `erts-VSN`)
        /// is not a plain file name: it holds `/`, `..`, whitespace or a control character,
        /// starts with `.` or is empty (``ReleaseName``); or a directory leaves the release.
        public static var unsafeName: Self { Self("unsafe_name") }
        /// A key, name or entry given twice.
        public static var duplicateKey: Self { Self("duplicate_key") }
        /// An appup or relup instruction that OTP does not define.
        public static var unknownInstruction: Self { Self("unknown_instruction") }
        /// A version pattern (a binary in an appup) that is not a valid regular expression.
        public static var invalidPattern: Self { Self("invalid_pattern") }
        /// A name that refers to nothing defined (`{default_release, kvv}`).
        public static var unknownName: Self { Self("unknown_name") }
        /// A `${VAR}` whose variable is not set and has no default.
        public static var unsetVariable: Self { Self("unset_variable") }
        /// A `${` without its closing `}`, or a variable name that is not valid.
        public static var malformedVariable: Self { Self("malformed_variable") }
        /// The file could not be read (`swift-distill check`).
        public static var unreadableFile: Self { Self("unreadable_file") }
        /// Which kind of release file a file is cannot be told from its name.
        public static var unknownFileKind: Self { Self("unknown_file_kind") }
        /// A key that OTP ignores, spelled close to one it reads (warning).
        public static var ignoredKey: Self { Self("ignored_key") }
    }

    /// Whether the problem stops the file from being used.
    public enum Severity: String, Hashable, Sendable {
        /// The file cannot be used as it is.
        case error
        /// The file can be used, but an entry is probably a mistake.
        case warning
    }

    /// What kind of problem this is.
    public var code: Code
    /// Whether this is an error or a warning.
    public var severity: Severity
    /// The sentence after `error:`: starts lowercase, quotes the user's text.
    public var message: String
    /// The file as the user named it.
    public var file: String
    /// Where the problem is, when it is in one place of the file.
    public var location: SourceLocation?
    /// The entry at fault, when there is one (printed compactly in ``message``).
    public var entry: Term?

    public init(
        code: Code,
        message: String,
        file: String,
        location: SourceLocation?,
        entry: Term? = nil,
        severity: Severity = .error
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.location = location
        self.entry = entry
        self.severity = severity
    }

    /// A syntax error from the term parser, reported like every other problem.
    public init(_ parseError: TermParseError) {
        self.init(
            code: .syntax,
            message: parseError.message,
            file: parseError.location.file,
            location: parseError.location
        )
    }

    /// `file:line:column: error: message` (or `file: error: message` without a location).
    public var description: String {
        "\(location.map(\.description) ?? file): \(severity.rawValue): \(message)"
    }

    /// ``description``, then, if `source` is the file's text and the problem has a
    /// location, the source line and a caret under the column, as compilers print them
    /// (and as `TermParseError.detailedDescription` does).
    public func rendered(source: String?) -> String {
        guard let source, let location, let line = Self.line(location.line, of: source) else { return description }
        var caret = ""
        for (offset, scalar) in line.unicodeScalars.enumerated() where offset < location.column - 1 {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(description)\n    \(line)\n    \(caret)^"
    }

    /// The text of 1-based line `number` of `source`, without its line break.
    static func line(_ number: Int, of source: String) -> Substring? {
        guard number >= 1 else { return nil }
        var current = 1
        var start = source.unicodeScalars.startIndex
        var index = start
        let scalars = source.unicodeScalars
        while index < scalars.endIndex {
            if scalars[index] == "\n" {
                if current == number { break }
                current += 1
                start = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        guard current == number else { return nil }
        var end = index
        if end > start, scalars[scalars.index(before: end)] == "\r" { end = scalars.index(before: end) }
        return Substring(scalars[start..<end])
    }
}
