//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Strings, quoted atoms, characters (erl_scan:scan_string, scan_qatom, scan_char)

extension TermReader {
    /// Whether `erl_scan` accepts the code point in a string, quoted atom or character:
    /// any scalar but U+FFFE and U+FFFF.
    @inline(__always)
    static func isAllowedCharacter(_ value: UInt32) -> Bool {
        value < 0xD800 || (value > 0xDFFF && value < 0xFFFE) || (value > 0xFFFF && value <= 0x10FFFF)
    }

    /// The text between `quote`s (the current byte is the opening one), escapes resolved.
    mutating func scanQuoted(_ quote: UInt8) throws(TermParseError) -> String {
        let opening = mark
        position += 1
        var segment = position
        var escaped = false
        while true {
            guard position < bytes.count else { throw unterminated(quote, at: opening) }
            let byte = bytes[position]
            if byte == quote {
                let result: String
                if escaped {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<position]))
                    result = String(decoding: scratch, as: UTF8.self)
                } else {
                    result = String(decoding: UnsafeBufferPointer(rebasing: bytes[segment..<position]), as: UTF8.self)
                }
                position += 1
                return result
            }
            if byte == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<position]))
                guard let value = try scanEscape() else { throw unterminated(quote, at: opening) }
                appendUTF8(value)
                segment = position
            } else if byte == UInt8(ascii: "\n") {
                position += 1
                line += 1
                lineStart = position
            } else if byte < 0x80 {
                position += 1
            } else {
                let (value, length) = try decodeScalar(at: position)
                guard Self.isAllowedCharacter(value) else { throw illegalCharacter(value, at: mark) }
                position += length
            }
        }
    }

    private mutating func unterminated(_ quote: UInt8, at opening: Mark) -> TermParseError {
        if quote == UInt8(ascii: "\"") {
            return error(
                .unterminatedString,
                "unterminated string: no closing '\"' before the end of input",
                at: opening
            )
        }
        return error(
            .unterminatedQuotedAtom,
            "unterminated quoted atom: no closing \"'\" before the end of input",
            at: opening
        )
    }

    mutating func illegalCharacter(_ value: UInt32, at mark: Mark) -> TermParseError {
        error(.illegalCharacter, "character \(Self.describe(scalar: value)) is not allowed in Erlang text", at: mark)
    }

    private mutating func appendUTF8(_ value: UInt32) {
        switch value {
        case ..<0x80:
            scratch.append(UInt8(value))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | value >> 6))
            scratch.append(UInt8(0x80 | value & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | value >> 12))
            scratch.append(UInt8(0x80 | value >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | value >> 18))
            scratch.append(UInt8(0x80 | value >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | value >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        }
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8?) -> UInt32? {
        guard let byte else { return nil }
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// The value of the escape sequence at the current `\` (`erl_scan:scan_escape`),
    /// moving past it; `nil` if the text ends inside it.
    mutating func scanEscape() throws(TermParseError) -> UInt32? {
        let backslash = mark
        position += 1
        guard let byte = byte(at: position) else { return nil }
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = UInt32(byte - UInt8(ascii: "0"))
            position += 1
            for _ in 0..<2 {
                guard let digit = self.byte(at: position), digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else {
                    break
                }
                value = value * 8 + UInt32(digit - UInt8(ascii: "0"))
                position += 1
            }
            return value
        case UInt8(ascii: "x"):
            position += 1
            return try scanHexEscape(backslash)
        case UInt8(ascii: "^"):
            position += 1
            guard let next = self.byte(at: position) else { return nil }
            if next == UInt8(ascii: "\n") {
                newLine()
                return 10
            }
            let (value, length) = try decodeScalar(at: position)
            guard Self.isAllowedCharacter(value) else { throw illegalCharacter(value, at: mark) }
            position += length
            return value & 31
        case UInt8(ascii: "\n"):
            newLine()
            return 10
        default:
            let (value, length) = try decodeScalar(at: position)
            guard Self.isAllowedCharacter(value) else { throw illegalCharacter(value, at: mark) }
            position += length
            switch value {
            case 0x6E: return 0x0A  // \n
            case 0x72: return 0x0D  // \r
            case 0x74: return 0x09  // \t
            case 0x76: return 0x0B  // \v
            case 0x62: return 0x08  // \b
            case 0x66: return 0x0C  // \f
            case 0x65: return 0x1B  // \e
            case 0x73: return 0x20  // \s
            case 0x64: return 0x7F  // \d
            default: return value
            }
        }
    }

    /// Consumes the `\n` at `position`.
    private mutating func newLine() {
        position += 1
        line += 1
        lineStart = position
    }

    /// `\xHH` or `\x{H...}`, after the `x`.
    private mutating func scanHexEscape(_ backslash: Mark) throws(TermParseError) -> UInt32? {
        guard let next = byte(at: position) else { return nil }
        if next == UInt8(ascii: "{") {
            position += 1
            let digitsStart = position
            var value: UInt32 = 0
            while let digit = Self.hexValue(byte(at: position)) {
                value = value > 0x10FFFF ? value : value * 16 + digit
                position += 1
            }
            guard let close = byte(at: position) else { return nil }
            let digits = String(decoding: UnsafeBufferPointer(rebasing: bytes[digitsStart..<position]), as: UTF8.self)
            guard close == UInt8(ascii: "}") else {
                throw error(
                    .invalidEscape,
                    "expected hexadecimal digits and '}' in escape '\\x{\(digits)'",
                    at: backslash
                )
            }
            position += 1
            guard !digits.isEmpty else {
                throw error(.invalidEscape, "escape '\\x{}' has no hexadecimal digits", at: backslash)
            }
            guard Self.isAllowedCharacter(value) else {
                throw error(
                    .invalidEscape,
                    "escape '\\x{\(digits)}' is not an allowed Unicode code point",
                    at: backslash
                )
            }
            return value
        }
        guard let high = Self.hexValue(next), let low = Self.hexValue(byte(at: position + 1)) else {
            if byte(at: position + 1) == nil, Self.hexValue(next) != nil { return nil }
            throw error(.invalidEscape, "expected two hexadecimal digits or '{' after '\\x'", at: backslash)
        }
        position += 2
        return high * 16 + low
    }

    /// `$c`, `$\n`, `$\x{1F600}`: an integer token.
    mutating func scanCharacter() throws(TermParseError) {
        let dollar = mark
        position += 1
        guard let byte = byte(at: position) else {
            throw error(.invalidCharacterLiteral, "expected a character after '$', found end of input", at: dollar)
        }
        switch byte {
        case UInt8(ascii: "\\"):
            guard let value = try scanEscape() else {
                throw error(
                    .invalidCharacterLiteral,
                    "expected an escape sequence after '$\\', found end of input",
                    at: dollar
                )
            }
            integer = Int(value)
        case UInt8(ascii: "\n"):
            newLine()
            integer = 10
        default:
            let (value, length) = try decodeScalar(at: position)
            guard Self.isAllowedCharacter(value) else { throw illegalCharacter(value, at: mark) }
            position += length
            integer = Int(value)
        }
        kind = .char
    }
}

// MARK: - Numbers (erl_scan:scan_number, scan_based_int, scan_fraction, scan_exponent)

extension TermReader {
    /// Whether `byte` is a digit of `base`.
    @inline(__always)
    private static func digitValue(_ byte: UInt8?, base: Int) -> Int? {
        guard let byte else { return nil }
        let value: Int
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < base ? value : nil
    }

    /// Consumes digits of `base`, with single `_` between two digits; whether any `_` was seen.
    private mutating func scanDigits(base: Int) -> Bool {
        var underscore = false
        while true {
            if Self.digitValue(byte(at: position), base: base) != nil {
                position += 1
            } else if byte(at: position) == UInt8(ascii: "_"), position > start.offset,
                Self.digitValue(byte(at: position - 1), base: base) != nil,
                Self.digitValue(byte(at: position + 1), base: base) != nil
            {
                underscore = true
                position += 2
            } else {
                return underscore
            }
        }
    }

    /// The text of `range` without `_`.
    private func digits(_ range: Range<Int>) -> String {
        var result = ""
        result.reserveCapacity(range.count)
        for offset in range where bytes[offset] != UInt8(ascii: "_") {
            result.unicodeScalars.append(Unicode.Scalar(bytes[offset]))
        }
        return result
    }

    /// Sets the integer token from the digits in `range` (with `_`) in `base`.
    private mutating func setInteger(_ range: Range<Int>, base: Int) {
        var value = 0
        for offset in range {
            guard let digit = Self.digitValue(bytes[offset], base: base) else { continue }
            let (product, overflow) = value.multipliedReportingOverflow(by: base)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            if overflow || overflow2 {
                bigInteger = BigInteger(digits(range), radix: base)
                integer = 0
                kind = .integer
                return
            }
            value = sum
        }
        integer = value
        bigInteger = nil
        kind = .integer
    }

    mutating func scanNumber() throws(TermParseError) {
        let first = position
        _ = scanDigits(base: 10)
        if byte(at: position) == UInt8(ascii: "#") {
            let baseText = digits(first..<position)
            guard let base = Int(baseText), (2...36).contains(base) else {
                throw error(.invalidNumber, "base \(baseText) in '\(baseText)#' is not between 2 and 36", at: start)
            }
            position += 1
            let digitsStart = position
            _ = scanDigits(base: base)
            guard position > digitsStart else {
                let found = position < bytes.count ? describeNext() : "end of input"
                throw error(
                    .invalidNumber,
                    "expected a base-\(base) digit after '\(baseText)#', found \(found)",
                    at: start
                )
            }
            setInteger(digitsStart..<position, base: base)
            try checkGlued("base-\(base) integer")
            return
        }
        if byte(at: position) == UInt8(ascii: "."), Self.isDigit(byte(at: position + 1)) {
            try scanFraction(first)
            return
        }
        setInteger(first..<position, base: 10)
        if byte(at: position) == UInt8(ascii: "."), let next = byte(at: position + 1),
            next == UInt8(ascii: "e") || next == UInt8(ascii: "E")
        {
            let shown = digits(first..<position)
            throw error(
                .invalidNumber,
                "a float needs digits after its '.': write '\(shown).0e...' instead of '\(shown).e...'",
                at: start
            )
        }
        try checkGlued("integer")
    }

    private mutating func scanFraction(_ first: Int) throws(TermParseError) {
        position += 1
        _ = scanDigits(base: 10)
        if let byte = byte(at: position), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = self.byte(at: position), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                position += 1
            }
            let exponentStart = position
            _ = scanDigits(base: 10)
            guard position > exponentStart else {
                let found = position < bytes.count ? describeNext() : "end of input"
                throw error(
                    .invalidNumber,
                    "expected exponent digits in float '\(digits(first..<position))', found \(found)",
                    at: start
                )
            }
        }
        let literal = digits(first..<position)
        guard let value = Double(literal), value.isFinite else {
            throw error(.invalidNumber, "float '\(literal)' is beyond the range of a 64-bit float", at: start)
        }
        float = value
        kind = .float
        try checkGlued("float")
    }

    /// A name character stuck to a number (`1e5`, `16#FFG`, `1_`) is never valid.
    private mutating func checkGlued(_ what: String) throws(TermParseError) {
        guard isNameByte(at: position) else { return }
        var end = position
        while isNameByte(at: end) { end += bytes[end] == 0xC3 ? 2 : 1 }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start.offset..<end]), as: UTF8.self)
        var message = "invalid number '\(literal)': \(what) followed by '\(describeGlued(at: position))'"
        if kind == .integer, let letter = byte(at: position), letter == UInt8(ascii: "e") || letter == UInt8(ascii: "E")
        {
            message += "; a float needs a '.' and digits before its exponent, as in '1.0e5'"
        }
        throw error(.invalidNumber, message, at: start)
    }

    private func describeGlued(at offset: Int) -> String {
        let length = bytes[offset] == 0xC3 ? 2 : 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
    }

    /// The scalar at `position`, quoted, for messages.
    func describeNext() -> String {
        guard let value = try? decodeScalar(at: position).value, let scalar = Unicode.Scalar(value) else {
            return "an invalid byte"
        }
        if value < 0x20 { return Self.describe(scalar: value) }
        return "'\(Character(scalar))'"
    }
}
