//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Bits appended most significant first, as Erlang's bit syntax builds a binary.
struct BitString {
    var bytes: [UInt8] = []
    /// The number of bits.
    var count = 0

    mutating func append(byte: UInt8) {
        let shift = count % 8
        if shift == 0 {
            bytes.append(byte)
        } else {
            bytes[bytes.count - 1] |= byte >> shift
            bytes.append(byte << (8 - shift))
        }
        count += 8
    }

    /// The low `width` (0...8) bits of `value`.
    mutating func append(bits value: UInt8, width: Int) {
        guard width > 0 else { return }
        let aligned = value << (8 - width)
        let shift = count % 8
        if shift == 0 {
            bytes.append(aligned)
        } else {
            bytes[bytes.count - 1] |= aligned >> shift
            if shift + width > 8 { bytes.append(aligned << (8 - shift)) }
        }
        count += width
    }

    /// The first `width` bits of `other`.
    mutating func append(_ other: BitString, width: Int) {
        if count % 8 == 0, width % 8 == 0 {
            bytes.append(contentsOf: other.bytes[0..<width / 8])
            count += width
            return
        }
        for index in 0..<width / 8 { append(byte: other.bytes[index]) }
        if width % 8 != 0 { append(bits: other.bytes[width / 8] >> (8 - width % 8), width: width % 8) }
    }
}

// MARK: - Binaries (erl_parse bin_element, then eval_bits:expr_grp and erl_bits)

extension TermReader {
    /// The segment types of `erl_bits`.
    enum SegmentType: String { case integer, float, binary, utf8, utf16, utf32 }

    enum Endianness: String { case big, little, native }

    /// What a segment's `/type-list` says, before defaults.
    struct SegmentSpecifiers {
        var type: SegmentType?
        var unit: Int?
        var signed: Bool?
        var endianness: Endianness?
    }

    /// A segment's value, once read.
    enum SegmentValue {
        case integer(Term)
        case float(Double)
        case string(String)
        case bits(BitString)
    }

    /// The largest segment, in bits, this parser builds (256 MiB).
    static var maximumSegmentBits: Int { 1 << 31 }

    /// `<<Segment, ...>>`, the current token being `<<`.
    mutating func parseBinary() throws(TermParseError) -> BitString {
        let opening = start
        try enter(opening)
        try advance()
        var result = BitString()
        if kind != .closeBinary {
            while true {
                try parseSegment(into: &result)
                if kind == .comma {
                    try advance()
                    continue
                }
                guard kind == .closeBinary else {
                    throw unexpected(
                        "expected ',' or '>>' after a binary segment, found",
                        opened: opening,
                        "binary",
                        closer: .closeBinary
                    )
                }
                break
            }
        }
        try advance()
        depth -= 1
        return result
    }

    /// `Value[:Size][/Type-Type...]`.
    private mutating func parseSegment(into result: inout BitString) throws(TermParseError) {
        let segment = start
        // The common segments, a byte or a string without size and type, take the short way.
        let value: SegmentValue
        if (kind == .integer && bigInteger == nil) || kind == .char {
            let number = integer
            try advance()
            if kind == .comma || kind == .closeBinary {
                result.append(byte: UInt8(truncatingIfNeeded: number))
                return
            }
            value = .integer(.integer(number))
        } else if kind == .string {
            let text = try parseStrings()
            if kind == .comma || kind == .closeBinary {
                for scalar in text.unicodeScalars { result.append(byte: UInt8(truncatingIfNeeded: scalar.value)) }
                return
            }
            value = .string(text)
        } else {
            value = try parseSegmentValue()
        }
        var size: Int?
        if kind == .colon {
            try advance()
            size = try parseSegmentSize()
        }
        var specifiers = SegmentSpecifiers()
        if kind == .slash {
            try advance()
            try parseTypeList(&specifiers)
        }
        try evaluate(value, size: size, specifiers, into: &result, at: segment)
    }

    private mutating func parseSegmentValue() throws(TermParseError) -> SegmentValue {
        switch kind {
        case .string:
            return .string(try parseStrings())
        case .openBinary:
            return .bits(try parseBinary())
        case .openParen:
            let opening = start
            try enter(opening)
            try advance()
            let value = try parseSegmentValue()
            try expect(.closeParen, "expected ')' after the parenthesised value, found", opened: opening, "parenthesis")
            depth -= 1
            return value
        default:
            let valueMark = start
            let term = try parseTerm().term
            switch term {
            case .integer, .bigInteger: return .integer(term)
            case .float(let value): return .float(value)
            case .binary(let bytes): return .bits(BitString(bytes: bytes, count: bytes.count * 8))
            default:
                throw error(
                    .invalidBinary,
                    "a binary segment holds an integer, a float, a string or a binary, not '\(TermPrinter.printCompact(term))'",
                    at: valueMark
                )
            }
        }
    }

    private mutating func parseSegmentSize() throws(TermParseError) -> Int {
        let sizeMark = start
        switch kind {
        case .integer, .char, .openParen:
            let term = try parseTerm().term
            guard let size = term.intValue, size >= 0 else {
                throw error(
                    .invalidBinary,
                    "a segment size is a non-negative integer, not '\(TermPrinter.printCompact(term))'",
                    at: sizeMark
                )
            }
            return size
        case .end:
            throw error(.unexpectedEnd, "expected a segment size after ':', found end of input", at: start)
        default:
            throw error(.invalidBinary, "expected a segment size (an integer) after ':', found \(tokenText)", at: start)
        }
    }

    /// `type-type-unit:N...` after the `/`.
    private mutating func parseTypeList(_ specifiers: inout SegmentSpecifiers) throws(TermParseError) {
        while true {
            let typeMark = start
            guard kind == .atom else {
                if kind == .end {
                    throw error(.unexpectedEnd, "expected a type specifier after '/', found end of input", at: start)
                }
                throw error(
                    .invalidBinary,
                    "expected a type specifier such as 'integer' or 'utf8', found \(tokenText)",
                    at: start
                )
            }
            let name = text
            try advance()
            if name == "unit" {
                guard kind == .colon else {
                    throw error(.invalidBinary, "expected ':' and a number after 'unit', found \(tokenText)", at: start)
                }
                try advance()
                guard kind == .integer, bigInteger == nil, (1...256).contains(integer) else {
                    throw error(
                        .invalidBinary,
                        "a segment unit is an integer from 1 to 256, found \(tokenText)",
                        at: start
                    )
                }
                try merge(\.unit, integer, "unit", into: &specifiers, at: typeMark)
                try advance()
            } else {
                try apply(name, to: &specifiers, at: typeMark)
            }
            guard kind == .minus else { return }
            try advance()
        }
    }

    /// `erl_bits:type_to_record/1` and `merge_bittype/2`.
    private mutating func apply(
        _ name: String,
        to specifiers: inout SegmentSpecifiers,
        at mark: Mark
    )
        throws(TermParseError)
    {
        switch name {
        case "integer", "float", "binary", "utf8", "utf16", "utf32":
            try merge(\.type, SegmentType(rawValue: name), name, into: &specifiers, at: mark)
        case "bytes":
            try merge(\.type, .binary, name, into: &specifiers, at: mark)
            try merge(\.unit, 8, name, into: &specifiers, at: mark)
        case "bits", "bitstring":
            try merge(\.type, .binary, name, into: &specifiers, at: mark)
            try merge(\.unit, 1, name, into: &specifiers, at: mark)
        case "big", "little", "native":
            try merge(\.endianness, Endianness(rawValue: name), name, into: &specifiers, at: mark)
        case "signed", "unsigned":
            try merge(\.signed, name == "signed", name, into: &specifiers, at: mark)
        default:
            throw error(.invalidBinary, "unknown binary type specifier '\(name)'", at: mark)
        }
    }

    private mutating func merge<Value: Equatable>(
        _ field: WritableKeyPath<SegmentSpecifiers, Value?>,
        _ value: Value?,
        _ name: String,
        into specifiers: inout SegmentSpecifiers,
        at mark: Mark
    ) throws(TermParseError) {
        if let existing = specifiers[keyPath: field], existing != value {
            throw error(
                .invalidBinary,
                "type specifier '\(name)' conflicts with an earlier specifier of the segment",
                at: mark
            )
        }
        specifiers[keyPath: field] = value
    }

    // MARK: Evaluation

    /// Appends the segment to `result`, after `erl_bits:apply_defaults` and `eval_bits:eval_exp_field`.
    private mutating func evaluate(
        _ value: SegmentValue,
        size written: Int?,
        _ specifiers: SegmentSpecifiers,
        into result: inout BitString,
        at mark: Mark
    ) throws(TermParseError) {
        let type = specifiers.type ?? .integer
        var size = written
        var unit = specifiers.unit
        switch type {
        case .binary:
            unit = unit ?? 8
        case .integer, .float:
            if size == nil {
                guard unit == nil else {
                    throw error(.invalidBinary, "a segment with a unit needs a size, as in '1:2/unit:8'", at: mark)
                }
                size = type == .integer ? 8 : 64
            }
            unit = unit ?? 1
        case .utf8, .utf16, .utf32:
            guard size == nil, unit == nil else {
                throw error(.invalidBinary, "a \(type) segment takes no size and no unit", at: mark)
            }
        }
        var width: Int?
        if let size {
            let (product, overflow) = size.multipliedReportingOverflow(by: unit ?? 1)
            guard !overflow, product <= Self.maximumSegmentBits else {
                throw error(.invalidBinary, "segment of \(size) units is larger than this parser builds", at: mark)
            }
            width = product
        }
        let little = specifiers.endianness == .little || specifiers.endianness == .native
        switch value {
        case .string where type == .binary:
            throw error(
                .invalidBinary,
                "a string cannot be a binary segment; write <<\"text\">> or <<\"text\"/utf8>>",
                at: mark
            )
        case .string(let text):
            // Each character is one segment of the given type; "" still checks the type.
            if text.isEmpty {
                var discard = BitString()
                try append(
                    .integer(.integer(0)),
                    type,
                    width: width,
                    unit: unit ?? 1,
                    little: little,
                    into: &discard,
                    at: mark
                )
            }
            for scalar in text.unicodeScalars {
                try append(
                    .integer(.integer(Int(scalar.value))),
                    type,
                    width: width,
                    unit: unit ?? 1,
                    little: little,
                    into: &result,
                    at: mark
                )
            }
        default:
            try append(value, type, width: width, unit: unit ?? 1, little: little, into: &result, at: mark)
        }
    }

    private mutating func append(
        _ value: SegmentValue,
        _ type: SegmentType,
        width: Int?,
        unit: Int,
        little: Bool,
        into result: inout BitString,
        at mark: Mark
    ) throws(TermParseError) {
        switch (value, type) {
        case (.integer(let term), .integer):
            Self.appendInteger(term, width: width ?? 8, little: little, into: &result)
        case (.integer(let term), .float):
            let double = term.intValue.map(Double.init) ?? term.integerValue?.doubleValue ?? 0
            guard double.isFinite else {
                throw error(
                    .invalidBinary,
                    "integer \(TermPrinter.printCompact(term)) is too large for a float",
                    at: mark
                )
            }
            try appendFloat(double, width: width ?? 64, little: little, into: &result, at: mark)
        case (.float(let double), .float):
            try appendFloat(double, width: width ?? 64, little: little, into: &result, at: mark)
        case (.integer(let term), .utf8), (.integer(let term), .utf16), (.integer(let term), .utf32):
            guard let code = term.intValue, code >= 0, code <= 0x10FFFF, !(0xD800...0xDFFF).contains(code),
                let scalar = Unicode.Scalar(UInt32(code))
            else {
                throw error(
                    .invalidBinary,
                    "\(TermPrinter.printCompact(term)) is not a Unicode code point for a \(type) segment",
                    at: mark
                )
            }
            Self.appendUnicode(scalar, type, little: little, into: &result)
        case (.bits(let bits), .binary):
            if let width {
                guard width <= bits.count else {
                    throw error(
                        .invalidBinary,
                        "segment size \(width) bits is more than the \(bits.count) bits of its binary",
                        at: mark
                    )
                }
                result.append(bits, width: width)
            } else {
                guard bits.count % unit == 0 else {
                    throw error(
                        .invalidBinary,
                        "binary of \(bits.count) bits is not a multiple of the segment unit \(unit)",
                        at: mark
                    )
                }
                result.append(bits, width: bits.count)
            }
        default:
            throw error(.invalidBinary, "\(value.kindName) cannot be a \(type) segment", at: mark)
        }
    }

    /// The low `width` bits of `term` in two's complement, big-endian or in Erlang's
    /// little-endian order (whole bytes lowest first, then the remaining high bits).
    private static func appendInteger(_ term: Term, width: Int, little: Bool, into result: inout BitString) {
        guard width > 0 else { return }
        let partial = width % 8
        if width <= 64, case .integer(let value) = term {
            let pattern = UInt64(bitPattern: Int64(value))
            if little {
                for index in 0..<width / 8 { result.append(byte: UInt8(truncatingIfNeeded: pattern >> (8 * index))) }
                if partial != 0 {
                    let high = UInt8(truncatingIfNeeded: pattern >> (8 * (width / 8)))
                    result.append(bits: high & (1 << partial - 1), width: partial)
                }
            } else {
                if partial != 0 {
                    let top = UInt8(truncatingIfNeeded: pattern >> (width - partial))
                    result.append(bits: top & (1 << partial - 1), width: partial)
                }
                for index in stride(from: width / 8 - 1, through: 0, by: -1) {
                    result.append(byte: UInt8(truncatingIfNeeded: pattern >> (8 * index)))
                }
            }
            return
        }
        let byteCount = (width + 7) / 8
        var bytes = [UInt8](repeating: 0, count: byteCount)
        if case .integer(let value) = term {
            var pattern = UInt64(bitPattern: Int64(value))
            let fill: UInt8 = value < 0 ? 0xFF : 0
            for index in 0..<byteCount {
                bytes[index] = index < 8 ? UInt8(truncatingIfNeeded: pattern) : fill
                pattern >>= 8
            }
        } else if let big = term.integerValue {
            let magnitude = big.littleEndianMagnitude
            for index in 0..<min(byteCount, magnitude.count) { bytes[index] = magnitude[index] }
            if big.isNegative {
                var carry = 1
                for index in 0..<byteCount {
                    let sum = Int(~bytes[index]) + carry
                    bytes[index] = UInt8(truncatingIfNeeded: sum)
                    carry = sum >> 8
                }
            }
        }
        if little {
            for index in 0..<width / 8 { result.append(byte: bytes[index]) }
            if partial != 0 { result.append(bits: bytes[width / 8] & (1 << partial - 1), width: partial) }
        } else {
            var index = byteCount - 1
            if partial != 0 {
                result.append(bits: bytes[index] & (1 << partial - 1), width: partial)
                index -= 1
            }
            while index >= 0 {
                result.append(byte: bytes[index])
                index -= 1
            }
        }
    }

    private mutating func appendFloat(
        _ value: Double,
        width: Int,
        little: Bool,
        into result: inout BitString,
        at mark: Mark
    ) throws(TermParseError) {
        var pattern: UInt64
        switch width {
        case 64: pattern = value.bitPattern
        case 32: pattern = UInt64(Float(value).bitPattern)
        case 16: pattern = UInt64(Float16(value).bitPattern)
        default:
            throw error(.invalidBinary, "a float segment has 16, 32 or 64 bits, not \(width)", at: mark)
        }
        let byteCount = width / 8
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for index in 0..<byteCount {
            bytes[little ? index : byteCount - 1 - index] = UInt8(truncatingIfNeeded: pattern)
            pattern >>= 8
        }
        for byte in bytes { result.append(byte: byte) }
    }

    private static func appendUnicode(
        _ scalar: Unicode.Scalar,
        _ type: SegmentType,
        little: Bool,
        into result: inout BitString
    ) {
        func unit16(_ value: UInt16) {
            let high = UInt8(value >> 8)
            let low = UInt8(truncatingIfNeeded: value)
            result.append(byte: little ? low : high)
            result.append(byte: little ? high : low)
        }
        switch type {
        case .utf8:
            for byte in scalar.utf8 { result.append(byte: byte) }
        case .utf16:
            for value in scalar.utf16 { unit16(value) }
        default:
            let value = scalar.value
            let bytes = [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            for byte in little ? bytes.reversed() : bytes { result.append(byte: byte) }
        }
    }
}

extension TermReader.SegmentValue {
    var kindName: String {
        switch self {
        case .integer: return "an integer"
        case .float: return "a float"
        case .string: return "a string"
        case .bits: return "a binary"
        }
    }
}
