//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import PropertyBased

/// Random terms for tests: nested lists (proper and improper), tuples, maps, strings and
/// atoms of any Unicode text (with the characters that need escapes), integers of every
/// size, floats of every magnitude, binaries of text and of bytes.
///
/// Every generated term is one `file:consult/1` can read back: no pids or references,
/// no atom holding U+FFFE or U+FFFF (Erlang's scanner refuses them even quoted).
///
///     var random = SplitMix64(seed: 42)
///     let term = TermGenerator(maximumDepth: 4).term(using: &random)
///
/// With swift-property-based: `propertyCheck(input: TermGenerator.gen()) { term in ... }`.
struct TermGenerator: Sendable {
    /// How deeply terms nest (a scalar is depth 0).
    var maximumDepth: Int
    /// The largest number of elements of a list, tuple or map, and of characters of a string.
    var maximumWidth: Int

    init(maximumDepth: Int = 4, maximumWidth: Int = 6) {
        self.maximumDepth = maximumDepth
        self.maximumWidth = maximumWidth
    }

    /// A generator for `propertyCheck`.
    static func gen(maximumDepth: Int = 4, maximumWidth: Int = 6) -> Generator<Term, Shrink.None<Term>> {
        let generator = TermGenerator(maximumDepth: maximumDepth, maximumWidth: maximumWidth)
        return Generator { random in generator.term(using: &random) }
    }

    func term(using random: inout some RandomNumberGenerator) -> Term {
        term(depth: 0, using: &random)
    }

    func term(depth: Int, using random: inout some RandomNumberGenerator) -> Term {
        let compound = depth < maximumDepth && Int.random(in: 0..<10, using: &random) < 4
        if compound {
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return .list(elements(depth: depth, using: &random))
            case 1:
                var elements = elements(depth: depth, using: &random)
                if elements.isEmpty { elements = [scalar(using: &random)] }
                return .improperList(elements, tail: tail(depth: depth, using: &random))
            case 2: return .tuple(elements(depth: depth, using: &random))
            case 3:
                var map = TermMap()
                for _ in 0..<Int.random(in: 0...min(maximumWidth, 5), using: &random) {
                    map[term(depth: depth + 1, using: &random)] = term(depth: depth + 1, using: &random)
                }
                return .map(map)
            default:
                // A "record": a tagged tuple, the commonest shape in release files.
                return .tuple([.atom(atom(using: &random))] + elements(depth: depth, using: &random))
            }
        }
        return scalar(using: &random)
    }

    /// The tail of an improper list: any term but a list.
    private func tail(depth: Int, using random: inout some RandomNumberGenerator) -> Term {
        while true {
            let tail = term(depth: depth + 1, using: &random)
            switch tail {
            case .list, .string, .improperList: continue
            default: return tail
            }
        }
    }

    private func elements(depth: Int, using random: inout some RandomNumberGenerator) -> [Term] {
        (0..<Int.random(in: 0...maximumWidth, using: &random)).map { _ in term(depth: depth + 1, using: &random) }
    }

    func scalar(using random: inout some RandomNumberGenerator) -> Term {
        switch Int.random(in: 0..<12, using: &random) {
        case 0, 1: return .atom(atom(using: &random))
        case 2, 3: return integer(using: &random)
        case 4: return .float(float(using: &random))
        case 5, 6: return .string(text(using: &random))
        case 7: return .list(text(using: &random).unicodeScalars.map { .integer(Int($0.value)) })
        case 8: return .binary(Array(text(using: &random).utf8))
        case 9:
            return .binary(
                (0..<Int.random(in: 0...maximumWidth, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            )
        case 10: return .binary(Array(Self.plainWords.randomElement(using: &random)!.utf8))
        default: return .atom(Self.plainWords.randomElement(using: &random)!)
        }
    }

    // MARK: - Atoms

    static let plainWords = ["kv", "ok", "error", "permanent", "load_module", "brutal_purge", "node@host", "v1_0", "ä"]

    /// Atoms that are easy to get wrong.
    static let trickyAtoms = [
        "", "end", "of", "fun", "maybe", "else", "true", "Kv", "_", "_x", "a b", "it's", "back\\slash", "quote\"",
        "été", "Été", "ß", "÷x", "a×b", "日本", "😀", "a.b", "a@b", "1a", "a\nb", "\t", "\u{7F}", "\u{85}", "\u{A0}",
        "a-b", "[]", "'", String(repeating: "z", count: 255), String(repeating: "é", count: 255),
    ]

    func atom(using random: inout some RandomNumberGenerator) -> String {
        if Bool.random(using: &random) { return Self.trickyAtoms.randomElement(using: &random)! }
        var name = ""
        if Bool.random(using: &random) {
            name.append(Character(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &random))))
        }
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            name.unicodeScalars.append(character(using: &random, forAtom: true))
        }
        return name
    }

    // MARK: - Text

    /// A random character: mostly ASCII letters, then escapes, Latin-1, control
    /// characters, CJK, emoji and the rest of Unicode.
    func character(using random: inout some RandomNumberGenerator, forAtom: Bool = false) -> Unicode.Scalar {
        let value: UInt32
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<8: value = UInt32.random(in: 0x61...0x7A, using: &random)
        case 8..<10: value = UInt32.random(in: 0x20...0x7E, using: &random)
        case 10:
            value = [0x0A, 0x09, 0x0D, 0x0B, 0x08, 0x0C, 0x1B, 0x7F, 0x22, 0x27, 0x5C].randomElement(using: &random)!
        case 11: value = UInt32.random(in: 0...0x1F, using: &random)
        case 12: value = UInt32.random(in: 0x80...0x9F, using: &random)
        case 13, 14: value = UInt32.random(in: 0xA0...0xFF, using: &random)
        case 15: value = UInt32.random(in: 0x3040...0x30FF, using: &random)
        case 16: value = UInt32.random(in: 0x1F600...0x1F64F, using: &random)
        case 17:
            value = [0xFEFF, 0x2028, 0xFFFD, 0xFFFE, 0xFFFF, 0x10FFFF, 0xE000, 0xD7FF].randomElement(using: &random)!
        default: value = UInt32.random(in: 0x100...0x10FFFF, using: &random)
        }
        guard let scalar = Unicode.Scalar(value), !(forAtom && (value == 0xFFFE || value == 0xFFFF)) else {
            return "x"
        }
        return scalar
    }

    func text(using random: inout some RandomNumberGenerator) -> String {
        var text = ""
        let length = Int.random(in: 0...(maximumWidth * 3), using: &random)
        let plain = Int.random(in: 0..<3, using: &random) == 0
        for _ in 0..<length {
            text.unicodeScalars.append(
                plain ? Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &random)) : character(using: &random)
            )
        }
        return text
    }

    // MARK: - Numbers

    func integer(using random: inout some RandomNumberGenerator) -> Term {
        switch Int.random(in: 0..<8, using: &random) {
        case 0, 1, 2: return .integer(Int.random(in: -10...300, using: &random))
        case 3: return .integer(Int.random(in: Int(Int32.min)...Int(Int32.max), using: &random))
        case 4: return .integer(Int.random(in: .min ... .max, using: &random))
        case 5: return .integer([Int.min, Int.max, 0, -1, 255, 256, 0x10FFFF, 0x110000].randomElement(using: &random)!)
        default:
            var digits = String(Int.random(in: 1...9, using: &random))
            for _ in 0..<Int.random(in: 18...60, using: &random) {
                digits += String(Int.random(in: 0...9, using: &random))
            }
            return .integer(BigInteger((Bool.random(using: &random) ? "-" : "") + digits)!)
        }
    }

    static let specialFloats: [Double] = [
        0.0, -0.0, 0.1, 0.5, 1.0, -1.0, 100.0, 1000.0, 1.0e-5, 1.0e-4, 0.001, 123456.0, 1234567.0, 1.0e15, 1.0e16,
        1.0e17, 1.0e21, 1.0e22, 1.0e23, .leastNonzeroMagnitude, 2.2250738585072014e-308, 1.7976931348623157e308,
        9007199254740993.0,
        0.30000000000000004, 1.2345e-4, 2.5e-3, 123.456, 6.02214076e23,
    ]

    func float(using random: inout some RandomNumberGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return Self.specialFloats.randomElement(using: &random)!
        case 1: return Double(Int.random(in: -100_000...100_000, using: &random)) / 100
        case 2:
            let mantissa = Double.random(in: 1..<10, using: &random)
            let exponent = Int.random(in: -30...30, using: &random)
            return (Bool.random(using: &random) ? 1 : -1) * mantissa * pow10(exponent)
        default:
            while true {
                let value = Double(bitPattern: random.next())
                if value.isFinite { return value }
            }
        }
    }

    private func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
