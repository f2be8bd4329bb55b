//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Writes atoms, numbers, strings, binaries, pids and references as `io_lib:write` and
/// `io_lib_pretty` do for `~tp`, and whole terms on one line (`~0tp`).
struct ScalarWriter {
    let options: TermPrinter.Options
    var output: [UInt8] = []
    /// Where a bounded print stops (``TermPrinter/printCompact(_:maximumBytes:options:)``):
    /// once `output` holds this many bytes nothing more is written, and no more of the term
    /// is visited. `Int.max` for an exact print.
    let limit: Int

    init(options: TermPrinter.Options, limit: Int = .max) {
        self.options = options
        self.limit = limit
    }

    /// Whether a bounded print has written all it may.
    private var isFull: Bool { output.count >= limit }

    /// Integers wider than this print as `<integer of N bits>` in a bounded print: their
    /// decimal digits take time quadratic in their size to compute.
    static let boundedIntegerBits = 4096

    // MARK: - One line (io_lib_pretty:write of the intermediate form)

    mutating func writeCompact(_ term: Term) {
        if isFull { return }
        switch term {
        case .atom(let name):
            writeAtom(name)
        case .integer(let value):
            writeInteger(value)
        case .bigInteger(let value):
            let bits = limit == .max ? 0 : Self.bitWidth(value)
            if bits > Self.boundedIntegerBits {
                output.append(contentsOf: "<\(value.isNegative ? "negative " : "")integer of \(bits) bits>".utf8)
            } else {
                output.append(contentsOf: value.toString().utf8)
            }
        case .float(let value):
            writeFloat(value)
        case .string(let text):
            if text.isEmpty {
                output.append(contentsOf: "[]".utf8)
            } else if Self.isPrintable(text.unicodeScalars, options.printableRange) {
                writeQuoted(text.unicodeScalars, quote: UInt8(ascii: "\""))
            } else {
                writeCompactList(text.unicodeScalars.map { .integer(Int($0.value)) }, tail: nil)
            }
        case .list(let elements):
            if let text = Self.printableText(elements, options.printableRange) {
                writeQuoted(text, quote: UInt8(ascii: "\""))
            } else {
                writeCompactList(elements, tail: nil)
            }
        case .improperList(let elements, let tail):
            writeCompactList(elements, tail: tail)
        case .tuple(let elements):
            output.append(UInt8(ascii: "{"))
            for (index, element) in elements.enumerated() {
                if isFull { return }
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeCompact(element)
            }
            output.append(UInt8(ascii: "}"))
        case .map(let map):
            output.append(contentsOf: "#{".utf8)
            for (index, entry) in map.entries.enumerated() {
                if isFull { return }
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeCompact(entry.key)
                output.append(contentsOf: " => ".utf8)
                writeCompact(entry.value)
            }
            output.append(UInt8(ascii: "}"))
        case .binary(let bytes):
            writeBinary(bytes)
        case .pid(let pid):
            output.append(contentsOf: "<0.".utf8)
            writeInteger(Int(pid.id))
            output.append(UInt8(ascii: "."))
            writeInteger(Int(pid.serial))
            output.append(UInt8(ascii: ">"))
        case .reference(let reference):
            output.append(contentsOf: "#Ref<0".utf8)
            for word in reference.ids.reversed() {
                output.append(UInt8(ascii: "."))
                writeInteger(Int(word))
            }
            output.append(UInt8(ascii: ">"))
        }
    }

    private mutating func writeCompactList(_ elements: [Term], tail: Term?) {
        guard !elements.isEmpty else {
            if let tail { writeCompact(tail) } else { output.append(contentsOf: "[]".utf8) }
            return
        }
        output.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if isFull { return }
            if index > 0 { output.append(UInt8(ascii: ",")) }
            writeCompact(element)
        }
        if let tail {
            output.append(UInt8(ascii: "|"))
            writeCompact(tail)
        }
        output.append(UInt8(ascii: "]"))
    }

    // MARK: - Atoms (io_lib:write_atom, quote_atom)

    mutating func writeAtom(_ name: String) {
        if Self.atomNeedsQuotes(name) {
            writeQuoted(name.unicodeScalars, quote: UInt8(ascii: "'"))
        } else {
            output.append(contentsOf: name.utf8)
        }
    }

    /// Whether Erlang writes the atom quoted: a reserved word (OTP 25's, plus `maybe` and
    /// `else`, reserved since OTP 27), or not a lowercase letter followed by name characters.
    static func atomNeedsQuotes(_ name: String) -> Bool {
        var scalars = name.unicodeScalars.makeIterator()
        guard let first = scalars.next()?.value else { return true }
        guard (0x61...0x7A).contains(first) || ((0xDF...0xFF).contains(first) && first != 0xF7) else { return true }
        while let scalar = scalars.next()?.value {
            switch scalar {
            case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x5F, 0x40: continue
            case 0xC0...0xFF where scalar != 0xD7 && scalar != 0xF7: continue
            default: return true
            }
        }
        return ReservedWords.contains(name.utf8) || name == "maybe" || name == "else"
    }

    // MARK: - Strings (io_lib:write_string, string_char for unicode_as_unicode)

    /// `scalars` between `quote`s, escaped as `io_lib:write_string/2` escapes them.
    mutating func writeQuoted(_ scalars: some Sequence<Unicode.Scalar>, quote: UInt8) {
        output.append(quote)
        for scalar in scalars {
            if isFull { return }
            let value = scalar.value
            switch value {
            case UInt32(quote), 0x5C:
                output.append(UInt8(ascii: "\\"))
                output.append(UInt8(value))
            case 0x20...0x7E:
                output.append(UInt8(value))
            case 0xA0...:
                output.append(contentsOf: scalar.utf8)
            default:
                output.append(UInt8(ascii: "\\"))
                switch value {
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                case 0x0B: output.append(UInt8(ascii: "v"))
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x1B: output.append(UInt8(ascii: "e"))
                case 0x7F: output.append(UInt8(ascii: "d"))
                default:
                    output.append(UInt8(ascii: "0") + UInt8(value >> 6))
                    output.append(UInt8(ascii: "0") + UInt8(value >> 3 & 7))
                    output.append(UInt8(ascii: "0") + UInt8(value & 7))
                }
            }
        }
        output.append(quote)
    }

    // MARK: - Printable text (io_lib:printable_list, io_lib_pretty:printable_bin)

    /// Whether `io_lib:printable_list/1` counts the code point as printable.
    @inline(__always)
    static func isPrintable(_ value: UInt32, _ range: TermPrinter.Options.PrintableRange) -> Bool {
        switch value {
        case 0x20...0x7E, 0x0A, 0x0D, 0x09, 0x0B, 0x08, 0x0C, 0x1B:
            return true
        case 0xA0...0xFF:
            return true
        default:
            guard range == .unicode else { return false }
            return (value >= 0x100 && value < 0xD800) || (value > 0xDFFF && value < 0xFFFE)
                || (value > 0xFFFF && value <= 0x10FFFF)
        }
    }

    static func isPrintable(_ scalars: String.UnicodeScalarView, _ range: TermPrinter.Options.PrintableRange) -> Bool {
        for scalar in scalars where !isPrintable(scalar.value, range) { return false }
        return true
    }

    /// The characters of a non-empty list that prints as a string, or `nil`.
    static func printableText(
        _ elements: [Term],
        _ range: TermPrinter.Options.PrintableRange
    )
        -> [Unicode.Scalar]?
    {
        guard !elements.isEmpty else { return nil }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(elements.count)
        for element in elements {
            guard case .integer(let value) = element, value >= 0, value <= 0x10FFFF,
                isPrintable(UInt32(value), range), let scalar = Unicode.Scalar(UInt32(value))
            else { return nil }
            scalars.append(scalar)
        }
        return scalars
    }

    /// How `io_lib_pretty` prints a non-empty binary.
    enum BinaryForm {
        /// `<<"text">>`, or `<<"text"/utf8>>` when the bytes are the UTF-8 of the text.
        case text([Unicode.Scalar], utf8: Bool)
        /// `<<1,2,3>>`.
        case bytes
    }

    /// Valid UTF-8 of printable characters prints as text (`/utf8` when any character
    /// takes more than one byte); other bytes print as Latin-1 text when each one is a
    /// printable Latin-1 character, else as numbers.
    static func binaryForm(_ bytes: [UInt8], _ range: TermPrinter.Options.PrintableRange) -> BinaryForm {
        if let scalars = decodeUTF8(bytes) {
            for scalar in scalars where !isPrintable(scalar.value, range) { return .bytes }
            return .text(scalars, utf8: scalars.count != bytes.count)
        }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            guard isPrintable(UInt32(byte), .latin1) else { return .bytes }
            scalars.append(Unicode.Scalar(byte))
        }
        return .text(scalars, utf8: false)
    }

    /// The scalars of `bytes` if they are valid UTF-8.
    static func decodeUTF8(_ bytes: [UInt8]) -> [Unicode.Scalar]? {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return scalars
            case .error: return nil
            }
        }
    }

    mutating func writeBinary(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else {
            output.append(contentsOf: "<<>>".utf8)
            return
        }
        // A bounded print looks at no more bytes than it may print.
        let bytes = bytes.count > limit ? Array(bytes.prefix(limit)) : bytes
        switch Self.binaryForm(bytes, options.printableRange) {
        case .text(let scalars, let utf8):
            output.append(contentsOf: "<<".utf8)
            writeQuoted(scalars, quote: UInt8(ascii: "\""))
            output.append(contentsOf: (utf8 ? "/utf8>>" : ">>").utf8)
        case .bytes:
            output.append(contentsOf: "<<".utf8)
            for (index, byte) in bytes.enumerated() {
                if isFull { return }
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeInteger(Int(byte))
            }
            output.append(contentsOf: ">>".utf8)
        }
    }

    // MARK: - Numbers

    /// The number of bits of `value`'s magnitude.
    static func bitWidth(_ value: BigInteger) -> Int {
        let magnitude = value.littleEndianMagnitude
        guard let top = magnitude.last(where: { $0 != 0 }), let index = magnitude.lastIndex(of: top) else { return 0 }
        return index * 8 + (8 - top.leadingZeroBitCount)
    }

    mutating func writeInteger(_ value: Int) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let first = output.count
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude != 0
        output[first...].reverse()
    }

    /// The float as `io_lib:write/1` (`float_to_list(F, [short])`) writes it.
    mutating func writeFloat(_ value: Double) {
        output.append(contentsOf: ErlangFloat.format(value).utf8)
    }
}

/// Erlang's shortest round-trip text of a float (`float_to_list(F, [short])`, which
/// `io_lib:write/1` uses since OTP 25): Ryu's shortest digits, laid out by the rules of
/// `erts/emulator/ryu/to_chars.h`.
enum ErlangFloat {
    /// `0.1`, `100.0`, `123456.0`, `1.0e3`, `1.0e-5`, `1.2345e-4`, `1.2345678901234568e17`.
    static func format(_ value: Double) -> String {
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, exponent) = shortestDigits(value.magnitude)
        return (value < 0 ? "-" : "") + layout(digits, exponent)
    }

    /// The shortest digits that read back as `value`, without trailing zeros, and the
    /// exponent `e` such that the value is `digits × 10^e` (Ryu's output). Swift's
    /// `description` finds the same shortest, closest digits.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], exponent: Int) {
        var digits: [UInt8] = []
        var exponent = 0
        var fractionDigits = 0
        var inFraction = false
        var text = value.description.utf8[...]
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(String(decoding: text[text.index(after: e)...], as: UTF8.self)) ?? 0
            text = text[..<e]
        }
        for byte in text {
            if byte == UInt8(ascii: ".") {
                inFraction = true
            } else {
                if inFraction { fractionDigits += 1 }
                digits.append(byte)
            }
        }
        exponent -= fractionDigits
        while digits.first == UInt8(ascii: "0") { digits.removeFirst() }
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        return (digits, exponent)
    }

    /// `to_chars`: fixed notation when the exponent is near zero, scientific otherwise.
    static func layout(_ digits: [UInt8], _ exponent: Int) -> String {
        let length = digits.count
        let scientificExponent = exponent + length - 1
        let lower: Int
        let upper: Int
        if length == 1 {
            (lower, upper) = (-4, 2)
        } else if scientificExponent >= 10 {
            (lower, upper) = (-(length + 2), 2)
        } else {
            (lower, upper) = (-(length + 2), 1)
        }
        var fixed = lower <= exponent && exponent <= upper
        if fixed {
            var mantissa: UInt64 = 0
            for digit in digits { mantissa = mantissa &* 10 &+ UInt64(digit - UInt8(ascii: "0")) }
            if (mantissa >= 1 << 53 && exponent == 0) || (mantissa > (1 << 52) / 5 && exponent == 1)
                || (mantissa > (1 << 51) / 25 && exponent == 2)
            {
                fixed = false
            }
        }
        var result: [UInt8] = []
        if fixed {
            let whole = length + exponent
            if exponent >= 0 {
                result = digits + [UInt8](repeating: UInt8(ascii: "0"), count: exponent) + Array(".0".utf8)
            } else if whole > 0 {
                result = Array(digits[..<whole]) + [UInt8(ascii: ".")] + Array(digits[whole...])
            } else {
                result = Array("0.".utf8) + [UInt8](repeating: UInt8(ascii: "0"), count: -whole) + digits
            }
        } else {
            result = [digits[0], UInt8(ascii: ".")]
            result += length > 1 ? Array(digits[1...]) : [UInt8(ascii: "0")]
            result += Array("e\(scientificExponent)".utf8)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
