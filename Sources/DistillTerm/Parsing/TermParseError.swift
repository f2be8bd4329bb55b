//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why a text could not be read as Erlang terms, and where.
///
/// ``description`` is one line, as a compiler prints it:
///
///     rel/config:12:7: error: expected ',' or ']' after list element, found 'c'
///
/// ``detailedDescription`` adds the offending line and a caret under the column:
///
///     rel/config:12:7: error: expected ',' or ']' after list element, found 'c'
///         {a, [b c]}.
///               ^
///
/// The column counts Unicode scalars from 1 (see ``SourceLocation``); a tab is one column.
/// Errors are `Hashable` so that tests can match them exactly.
public struct TermParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of error, for code that reacts to some kinds; the ``message`` says more.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case unexpectedEnd, unexpectedToken, missingDot, unbalancedBracket
            case unterminatedString, unterminatedQuotedAtom, invalidEscape, invalidCharacterLiteral
            case invalidNumber, illegalCharacter, invalidUTF8, atomTooLong, reservedWord
            case notATerm, misplacedMapArrow, exactMapAssociation, invalidBinary, unsupportedTerm
            case nestingTooDeep
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The text ended inside a term, or where a term was expected.
        public static var unexpectedEnd: Self { Self(.unexpectedEnd) }
        /// A token that cannot stand where it is.
        public static var unexpectedToken: Self { Self(.unexpectedToken) }
        /// A term is not followed by its terminating `.` (a dot followed by white space,
        /// a comment or the end of the text).
        public static var missingDot: Self { Self(.missingDot) }
        /// A closing bracket that does not match the open one, or has none.
        public static var unbalancedBracket: Self { Self(.unbalancedBracket) }
        /// A string without its closing `"`.
        public static var unterminatedString: Self { Self(.unterminatedString) }
        /// A quoted atom without its closing `'`.
        public static var unterminatedQuotedAtom: Self { Self(.unterminatedQuotedAtom) }
        /// A backslash escape that Erlang does not accept (`\x4g`, `\x{}`, `\x{110000}`).
        public static var invalidEscape: Self { Self(.invalidEscape) }
        /// A `$` character literal without a valid character after it.
        public static var invalidCharacterLiteral: Self { Self(.invalidCharacterLiteral) }
        /// A malformed number: a base outside 2...36, no digits after `16#`, a float
        /// without digits on both sides of its `.`, an exponent without digits, a float
        /// beyond the range of a 64-bit float, letters stuck to digits.
        public static var invalidNumber: Self { Self(.invalidNumber) }
        /// A character Erlang does not accept where it stands (a character above U+00FF
        /// outside quotes, U+FFFE or U+FFFF anywhere, a byte order mark).
        public static var illegalCharacter: Self { Self(.illegalCharacter) }
        /// Bytes that are not UTF-8 (and no `coding: latin-1` comment says otherwise).
        public static var invalidUTF8: Self { Self(.invalidUTF8) }
        /// An atom of more than 255 characters.
        public static var atomTooLong: Self { Self(.atomTooLong) }
        /// A reserved word (`end`, `of`, ...) written where an atom was meant; it must be quoted.
        public static var reservedWord: Self { Self(.reservedWord) }
        /// Valid Erlang that is an expression, not a term: a variable, an operator, a record,
        /// a local fun, several expressions.
        public static var notATerm: Self { Self(.notATerm) }
        /// `=>` outside a map.
        public static var misplacedMapArrow: Self { Self(.misplacedMapArrow) }
        /// `:=` in a map literal (it only updates existing keys of a map expression).
        public static var exactMapAssociation: Self { Self(.exactMapAssociation) }
        /// A binary segment Erlang refuses: a wrong type for the value, an unknown or
        /// conflicting type specifier, a size that is not an integer.
        public static var invalidBinary: Self { Self(.invalidBinary) }
        /// A term Erlang accepts that ``Term`` cannot hold: an external fun
        /// (`fun m:f/1`), a bit string that is not a whole number of bytes.
        public static var unsupportedTerm: Self { Self(.unsupportedTerm) }
        /// Brackets nested deeper than ``TermParser/maximumNestingDepth``.
        public static var nestingTooDeep: Self { Self(.nestingTooDeep) }

        public var description: String { "\(wrapped)" }
    }

    /// The kind of error.
    public var code: Code
    /// What is wrong, starting lowercase: what was expected and the offending token in quotes.
    public var message: String
    /// Where the offending token starts.
    public var location: SourceLocation
    /// The text of the line holding ``location`` (without its line break), for
    /// ``detailedDescription``; empty when unknown.
    public var sourceLine: String

    public init(code: Code, message: String, location: SourceLocation, sourceLine: String = "") {
        self.code = code
        self.message = message
        self.location = location
        self.sourceLine = sourceLine
    }

    /// `file:line:column: error: message`.
    public var description: String { "\(location): error: \(message)" }

    /// ``description``, then the source line and a caret under the column, like a compiler.
    public var detailedDescription: String {
        guard !sourceLine.isEmpty else { return description }
        var caret = ""
        for scalar in sourceLine.unicodeScalars.prefix(max(0, location.column - 1)) {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(description)\n    \(sourceLine)\n    \(caret)^"
    }
}
