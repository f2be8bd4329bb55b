//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The kinds of token `erl_scan` makes that matter to a term.
enum TokenKind: Equatable {
    case atom, variable, reservedWord, string, char, integer, float
    case openBrace, closeBrace, openBracket, closeBracket, openParen, closeParen
    case openBinary, closeBinary, comma, bar, hash, mapArrow, exactArrow
    case minus, plus, slash, colon
    /// The terminating `.`: followed by white space, `%` or the end of the text.
    case dot
    /// Any other operator or punctuation (`+`, `==`, `.` glued to the next token, `;`...).
    case symbol
    case end
}

/// A position in the text: the byte offset, and the line it is on.
struct Mark {
    var offset: Int
    var line: Int
    var lineStart: Int
}

/// A bracket being read.
struct OpenBracket {
    enum Kind {
        case list
        /// A list after its `|`, waiting for the tail.
        case listTail
        case tuple
        case mapKey
        case mapValue
        case parenthesis
    }

    var kind: Kind
    var opening: Mark
    /// Where the bracket's parts start in the reader's pending parts.
    var base: Int
}

/// A scanner (after `erl_scan`) and a recursive-descent parser (after the term subset
/// of `erl_parse`) in one pass over UTF-8 bytes, with one token of lookahead.
struct TermReader<Node: ParsedNode> {
    let bytes: UnsafeBufferPointer<UInt8>
    let file: String

    /// The next byte to scan.
    var position = 0
    /// The current line (1-based) and the offset where it starts.
    var line = 1
    var lineStart = 0

    // The current token.
    var kind = TokenKind.end
    var start = Mark(offset: 0, line: 1, lineStart: 0)
    var text = ""
    var integer = 0
    var bigInteger: BigInteger?
    var float = 0.0

    /// Nesting of brackets being parsed.
    var depth = 0
    /// The brackets being read, innermost last, and the parts they have so far.
    var open: [OpenBracket] = []
    var pending: [Node] = []
    /// Scratch space for strings with escapes.
    var scratch: [UInt8] = []
    /// The last column worked out, to count columns along a line in linear time.
    var columnCache = (offset: 0, column: 1)

    init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: - Locations

    var mark: Mark { Mark(offset: position, line: line, lineStart: lineStart) }

    /// The location of `mark`: its column counts the scalars (non-continuation bytes)
    /// from the start of its line.
    mutating func location(_ mark: Mark) -> SourceLocation {
        var offset = mark.lineStart
        var column = 1
        if columnCache.offset >= mark.lineStart, columnCache.offset <= mark.offset {
            (offset, column) = columnCache
        }
        while offset < mark.offset {
            if bytes[offset] & 0xC0 != 0x80 { column += 1 }
            offset += 1
        }
        columnCache = (offset, column)
        return SourceLocation(file: file, line: mark.line, column: column)
    }

    /// Where a node starts, when the node kind wants locations.
    mutating func nodeLocation(_ mark: Mark) -> SourceLocation {
        Node.needsLocations ? location(mark) : SourceLocation(file: "", line: 0, column: 0)
    }

    /// The text of the line holding `mark`, without its line break.
    func sourceLine(_ mark: Mark) -> String {
        var end = mark.lineStart
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        if end > mark.lineStart, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[mark.lineStart..<end]), as: UTF8.self)
    }

    mutating func error(_ code: TermParseError.Code, _ message: String, at mark: Mark) -> TermParseError {
        columnCache = (0, 1)
        return TermParseError(code: code, message: message, location: location(mark), sourceLine: sourceLine(mark))
    }

    // MARK: - Bytes

    @inline(__always)
    func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    @inline(__always)
    static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte &- UInt8(ascii: "0") < 10
    }

    /// Whether the bytes at `offset` continue a name (`erl_scan:scan_name`): ASCII letters,
    /// digits, `_`, `@`, and the Latin-1 letters U+00C0...U+00FF except `×` and `÷`.
    @inline(__always)
    func isNameByte(at offset: Int) -> Bool {
        guard let byte = byte(at: offset) else { return false }
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "@"):
            return true
        case 0xC3:
            guard let next = self.byte(at: offset + 1) else { return false }
            return next >= 0x80 && next <= 0xBF && next != 0x97 && next != 0xB7
        default:
            return false
        }
    }

    /// Decodes and validates the UTF-8 scalar at `offset`: its value and byte length.
    func decodeScalar(at offset: Int) throws(TermParseError) -> (value: UInt32, length: Int) {
        let lead = bytes[offset]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        var value: UInt32
        var lowest: UInt32
        switch lead {
        case 0xC2...0xDF: (length, value, lowest) = (2, UInt32(lead & 0x1F), 0x80)
        case 0xE0...0xEF: (length, value, lowest) = (3, UInt32(lead & 0x0F), 0x800)
        case 0xF0...0xF4: (length, value, lowest) = (4, UInt32(lead & 0x07), 0x10000)
        default: throw invalidUTF8(at: offset)
        }
        guard offset + length <= bytes.count else { throw invalidUTF8(at: offset) }
        for index in offset + 1..<offset + length {
            let byte = bytes[index]
            guard byte & 0xC0 == 0x80 else { throw invalidUTF8(at: offset) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= lowest, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else {
            throw invalidUTF8(at: offset)
        }
        return (value, length)
    }

    func invalidUTF8(at offset: Int) -> TermParseError {
        var copy = self
        let mark = Mark(offset: offset, line: line, lineStart: lineStart)
        var shown: [String] = []
        for index in offset..<min(offset + 4, bytes.count) {
            let byte = bytes[index]
            if index > offset, byte < 0x80 || byte >= 0xC0 { break }
            shown.append("0x" + String(byte, radix: 16, uppercase: true))
        }
        return copy.error(
            .invalidUTF8,
            "invalid UTF-8 byte sequence \(shown.joined(separator: " ")); the text must be UTF-8",
            at: mark
        )
    }

    // MARK: - White space and comments

    /// Skips white space (`erl_scan`: characters up to U+0020 and U+0080...U+00A0) and
    /// `%` comments, counting lines.
    mutating func skipWhiteSpace() throws(TermParseError) {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") {
                position += 1
                line += 1
                lineStart = position
            } else if byte <= 0x20 {
                position += 1
            } else if byte == UInt8(ascii: "%") {
                try skipComment()
            } else if byte == 0xC2, let next = self.byte(at: position + 1), next >= 0x80, next <= 0xA0 {
                position += 2
            } else {
                return
            }
        }
    }

    private mutating func skipComment() throws(TermParseError) {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") { return }
            if byte < 0x80 {
                position += 1
            } else {
                position += try decodeScalar(at: position).length
            }
        }
    }

    /// Whether the scalar at `offset` is white space or `%` or the end: what makes a `.`
    /// the end of a term.
    func endsDot(at offset: Int) -> Bool {
        guard let byte = byte(at: offset) else { return true }
        if byte <= 0x20 || byte == UInt8(ascii: "%") { return true }
        if byte == 0xC2, let next = self.byte(at: offset + 1), next >= 0x80, next <= 0xA0 { return true }
        return false
    }

    // MARK: - Tokens

    /// The source text of the current token, shortened for messages.
    var tokenText: String {
        if kind == .end { return "end of input" }
        var end = start.offset
        var scalars = 0
        while end < position, scalars < 40 {
            if bytes[end] & 0xC0 != 0x80 { scalars += 1 }
            end += 1
        }
        while end < position, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let shown = String(decoding: UnsafeBufferPointer(rebasing: bytes[start.offset..<end]), as: UTF8.self)
        return "'" + shown + (end < position ? "...'" : "'")
    }

    /// Moves to the next token.
    mutating func advance() throws(TermParseError) {
        try skipWhiteSpace()
        start = mark
        guard position < bytes.count else {
            kind = .end
            return
        }
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            try scanName(lowercase: true)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            try scanName(lowercase: false)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
        case UInt8(ascii: "\""):
            text = try scanQuoted(UInt8(ascii: "\""))
            kind = .string
        case UInt8(ascii: "'"):
            text = try scanQuoted(UInt8(ascii: "'"))
            try checkAtomLength()
            kind = .atom
        case UInt8(ascii: "$"):
            try scanCharacter()
        case UInt8(ascii: "{"): punctuation(.openBrace, 1)
        case UInt8(ascii: "}"): punctuation(.closeBrace, 1)
        case UInt8(ascii: "["): punctuation(.openBracket, 1)
        case UInt8(ascii: "]"): punctuation(.closeBracket, 1)
        case UInt8(ascii: "("): punctuation(.openParen, 1)
        case UInt8(ascii: ")"): punctuation(.closeParen, 1)
        case UInt8(ascii: ","): punctuation(.comma, 1)
        case UInt8(ascii: "#"): punctuation(.hash, 1)
        case UInt8(ascii: "|"):
            if self.byte(at: position + 1) == UInt8(ascii: "|") {
                punctuation(.symbol, 2)
            } else {
                punctuation(.bar, 1)
            }
        case UInt8(ascii: "<"):
            switch self.byte(at: position + 1) {
            case UInt8(ascii: "<"): punctuation(.openBinary, 2)
            case UInt8(ascii: "-"), UInt8(ascii: "="): punctuation(.symbol, 2)
            default: punctuation(.symbol, 1)
            }
        case UInt8(ascii: ">"):
            switch self.byte(at: position + 1) {
            case UInt8(ascii: ">"): punctuation(.closeBinary, 2)
            case UInt8(ascii: "="): punctuation(.symbol, 2)
            default: punctuation(.symbol, 1)
            }
        case UInt8(ascii: "="):
            switch self.byte(at: position + 1) {
            case UInt8(ascii: ">"): punctuation(.mapArrow, 2)
            case UInt8(ascii: ":"), UInt8(ascii: "/"):
                punctuation(.symbol, self.byte(at: position + 2) == UInt8(ascii: "=") ? 3 : 1)
            case UInt8(ascii: "<"), UInt8(ascii: "="): punctuation(.symbol, 2)
            default: punctuation(.symbol, 1)
            }
        case UInt8(ascii: ":"):
            switch self.byte(at: position + 1) {
            case UInt8(ascii: "="): punctuation(.exactArrow, 2)
            case UInt8(ascii: ":"): punctuation(.symbol, 2)
            default: punctuation(.colon, 1)
            }
        case UInt8(ascii: "-"):
            switch self.byte(at: position + 1) {
            case UInt8(ascii: ">"), UInt8(ascii: "-"): punctuation(.symbol, 2)
            default: punctuation(.minus, 1)
            }
        case UInt8(ascii: "+"):
            if self.byte(at: position + 1) == UInt8(ascii: "+") {
                punctuation(.symbol, 2)
            } else {
                punctuation(.plus, 1)
            }
        case UInt8(ascii: "/"):
            if self.byte(at: position + 1) == UInt8(ascii: "=") {
                punctuation(.symbol, 2)
            } else {
                punctuation(.slash, 1)
            }
        case UInt8(ascii: "?"):
            punctuation(.symbol, self.byte(at: position + 1) == UInt8(ascii: "=") ? 2 : 1)
        case UInt8(ascii: "."):
            if self.byte(at: position + 1) == UInt8(ascii: ".") {
                punctuation(.symbol, self.byte(at: position + 2) == UInt8(ascii: ".") ? 3 : 2)
            } else if endsDot(at: position + 1) {
                punctuation(.dot, 1)
            } else {
                // Bytes that are not UTF-8 are reported as such, not as a glued '.'.
                if let next = self.byte(at: position + 1), next >= 0x80 { _ = try decodeScalar(at: position + 1) }
                punctuation(.symbol, 1)
            }
        case 0x80...:
            try scanNonASCII()
        default:
            punctuation(.symbol, 1)
        }
    }

    @inline(__always)
    private mutating func punctuation(_ kind: TokenKind, _ length: Int) {
        self.kind = kind
        position += length
    }

    /// A character above U+007F outside quotes: a Latin-1 letter starts a name, other
    /// Latin-1 characters are one-character symbols, anything above U+00FF is illegal.
    private mutating func scanNonASCII() throws(TermParseError) {
        let (value, length) = try decodeScalar(at: position)
        switch value {
        case 0xDF...0xFF where value != 0xF7:
            try scanName(lowercase: true)
        case 0xC0...0xDE where value != 0xD7:
            try scanName(lowercase: false)
        case 0x80...0xFF:
            punctuation(.symbol, length)
        default:
            let name = value == 0xFEFF ? "a byte order mark (U+FEFF)" : "character \(Self.describe(scalar: value))"
            throw error(
                .illegalCharacter,
                "\(name) is not allowed outside quotes; only strings and quoted atoms may hold it",
                at: start
            )
        }
    }

    /// `'é' (U+00E9)`.
    static func describe(scalar value: UInt32) -> String {
        var hex = String(value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        guard let scalar = Unicode.Scalar(value) else { return "U+\(hex)" }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .spaceSeparator, .lineSeparator,
            .paragraphSeparator:
            return "U+\(hex)"
        default:
            return scalar.properties.isNoncharacterCodePoint ? "U+\(hex)" : "'\(Character(scalar))' (U+\(hex))"
        }
    }

    // MARK: Names

    private mutating func scanName(lowercase: Bool) throws(TermParseError) {
        let first = position
        repeat {
            position += bytes[position] == 0xC3 ? 2 : 1
        } while isNameByte(at: position)
        text = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<position]), as: UTF8.self)
        if !lowercase {
            kind = .variable
        } else if ReservedWords.contains(UnsafeBufferPointer(rebasing: bytes[first..<position])) {
            kind = .reservedWord
        } else {
            kind = .atom
            try checkAtomLength()
        }
    }

    /// `list_to_atom` refuses names of more than 255 characters.
    mutating func checkAtomLength() throws(TermParseError) {
        guard text.utf8.count > 255 else { return }
        let count = text.unicodeScalars.count
        guard count > 255 else { return }
        let prefix = String(text.unicodeScalars.prefix(20))
        throw error(
            .atomTooLong,
            "atom '\(prefix)...' has \(count) characters; an atom has at most 255",
            at: start
        )
    }
}

/// Erlang's reserved words (`erl_scan:reserved_word/1` in OTP 25, with no feature enabled).
enum ReservedWords {
    static let words: [[UInt8]] = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case", "catch", "cond",
        "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive", "rem", "try", "when", "xor",
    ].map { Array($0.utf8) }

    /// Whether the UTF-8 `name` is a reserved word.
    static func contains(_ name: some Collection<UInt8>) -> Bool {
        let count = name.count
        guard count >= 2, count <= 7, let first = name.first else { return false }
        switch first {
        case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c"), UInt8(ascii: "d"), UInt8(ascii: "e"),
            UInt8(ascii: "f"), UInt8(ascii: "i"), UInt8(ascii: "l"), UInt8(ascii: "n"), UInt8(ascii: "o"),
            UInt8(ascii: "r"), UInt8(ascii: "t"), UInt8(ascii: "w"), UInt8(ascii: "x"):
            for word in words where word.count == count && word[0] == first && word.elementsEqual(name) { return true }
            return false
        default:
            return false
        }
    }
}
