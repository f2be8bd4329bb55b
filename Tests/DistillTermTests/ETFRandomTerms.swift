//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import PropertyBased

/// Random terms that exercise every tag the encoder chooses between: integers on both
/// sides of every size boundary, floats, Latin-1 and other atoms, strings that are and are
/// not `STRING_EXT`, binaries, proper and improper lists, small and large tuples, maps
/// under and over 32 entries, pids and references.
enum ETFRandomTerms {
    static let atoms: [String] = [
        "ok", "error", "undefined", "a", "", "hello world", "kv@host", "caf\u{E9}", "\u{FF}", "\u{3BB}",
        "\u{65E5}\u{672C}", "\u{1F600}", String(repeating: "z", count: 255), String(repeating: "\u{E9}", count: 255),
        String(repeating: "\u{3BB}", count: 200), "'quoted'", "Capital",
    ]
    static let nodes: [String] = ["a@h", "kv@127.0.0.1", "node\u{E9}@host", "\u{3BB}@h", "nonode@nohost"]

    /// A PropertyBased generator of terms up to `depth` levels deep.
    static func generator(depth: Int = 3) -> Generator<Term, Shrink.None<Term>> {
        Generator { rng in term(using: &rng, depth: depth) }
    }

    static func term(using rng: inout some RandomNumberGenerator, depth: Int) -> Term {
        let leafKinds = 9
        let kind =
            depth > 0 ? Int.random(in: 0..<(leafKinds + 6), using: &rng) : Int.random(in: 0..<leafKinds, using: &rng)
        switch kind {
        case 0, 1: return integer(using: &rng)
        case 2: return float(using: &rng)
        case 3: return .atom(atoms.randomElement(using: &rng) ?? "a")
        case 4: return string(using: &rng)
        case 5: return binary(using: &rng)
        case 6: return pid(using: &rng)
        case 7: return reference(using: &rng)
        case 8: return byteList(using: &rng)
        case 9: return .tuple(elements(using: &rng, depth: depth))
        case 10: return .list(elements(using: &rng, depth: depth))
        case 11:
            let tail = term(using: &rng, depth: 0)
            return .list(elements(using: &rng, depth: depth), tail: tail)
        case 12: return .map(map(using: &rng, depth: depth))
        case 13:
            // A large tuple or a long list now and then.
            let count =
                Bool.random(using: &rng) ? Int.random(in: 250...300, using: &rng) : Int.random(in: 0...3, using: &rng)
            let items = (0..<count).map { _ in term(using: &rng, depth: 0) }
            return Bool.random(using: &rng) ? .tuple(items) : .list(items)
        default: return .map(bigMap(using: &rng, depth: depth))
        }
    }

    static func elements(using rng: inout some RandomNumberGenerator, depth: Int) -> [Term] {
        (0..<Int.random(in: 0...5, using: &rng)).map { _ in term(using: &rng, depth: depth - 1) }
    }

    static func integer(using rng: inout some RandomNumberGenerator) -> Term {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return .integer(Int.random(in: 0...255, using: &rng))
        case 1: return .integer(Int.random(in: -300...300, using: &rng))
        case 2: return .integer(Int(Int32.random(in: .min ... .max, using: &rng)) + Int.random(in: -1...1, using: &rng))
        case 3:
            return .integer(
                [Int.min, Int.max, 1 << 31, -(1 << 31), (1 << 31) - 1, -(1 << 31) - 1, 1 << 59, -(1 << 59) - 1]
                    .randomElement(using: &rng) ?? 0
            )
        case 4: return .integer(Int.random(in: .min ... .max, using: &rng))
        default:
            // Beyond Int: 9 to 300 magnitude bytes, either sign (some over 255 bytes: LARGE_BIG_EXT).
            let byteCount =
                Bool.random(using: &rng) ? Int.random(in: 9...20, using: &rng) : Int.random(in: 250...300, using: &rng)
            var magnitude = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
            magnitude[byteCount - 1] |= 1
            return .integer(BigInteger(isNegative: Bool.random(using: &rng), littleEndianMagnitude: magnitude))
        }
    }

    static func float(using rng: inout some RandomNumberGenerator) -> Term {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .float(Double.random(in: -1000...1000, using: &rng))
        case 1:
            return .float(
                [0.0, -0.0, 1.0, 0.1, 1e300, -1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude].randomElement(
                    using: &rng
                ) ?? 0
            )
        default:
            var bits: UInt64
            repeat { bits = UInt64.random(in: .min ... .max, using: &rng) } while !Double(bitPattern: bits).isFinite
            return .float(Double(bitPattern: bits))
        }
    }

    static func string(using rng: inout some RandomNumberGenerator) -> Term {
        let alphabets: [[Unicode.Scalar]] = [
            Array("abcxyz 019_".unicodeScalars), Array("\u{0}\u{7F}\u{80}\u{E9}\u{FF}a".unicodeScalars),
            Array("a\u{3BB}\u{65E5}\u{1F600}\u{100}".unicodeScalars),
        ]
        let alphabet = alphabets.randomElement(using: &rng) ?? alphabets[0]
        let length = Int.random(in: 0...12, using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(alphabet.randomElement(using: &rng) ?? "a") }
        return .string(String(scalars))
    }

    static func binary(using rng: inout some RandomNumberGenerator) -> Term {
        let length = Int.random(in: 0...40, using: &rng)
        return .binary((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    static func byteList(using rng: inout some RandomNumberGenerator) -> Term {
        .list((0..<Int.random(in: 1...10, using: &rng)).map { _ in .integer(Int.random(in: 0...255, using: &rng)) })
    }

    static func pid(using rng: inout some RandomNumberGenerator) -> Term {
        .pid(
            Pid(
                node: nodes.randomElement(using: &rng) ?? "a@h",
                id: UInt32.random(in: 0...40000, using: &rng),
                serial: UInt32.random(in: 0...3, using: &rng),
                creation: UInt32.random(in: 1...UInt32.max, using: &rng)
            )
        )
    }

    static func reference(using rng: inout some RandomNumberGenerator) -> Term {
        .reference(
            Reference(
                node: nodes.randomElement(using: &rng) ?? "a@h",
                creation: UInt32.random(in: 1...UInt32.max, using: &rng),
                ids: (0..<Int.random(in: 1...5, using: &rng)).map { _ in UInt32.random(in: .min ... .max, using: &rng) }
            )
        )
    }

    /// Up to 6 entries with keys of any kind (so integers meet floats, atoms meet binaries).
    static func map(using rng: inout some RandomNumberGenerator, depth: Int) -> TermMap {
        var map = TermMap()
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            let key = Bool.random(using: &rng) ? scalarKey(using: &rng) : term(using: &rng, depth: depth - 1)
            map[key] = term(using: &rng, depth: depth - 1)
        }
        return map
    }

    /// 28 to 70 entries, around the flatmap limit: keys of one hashable kind (integers,
    /// binaries, floats, tuples of those), or mixed kinds with atoms.
    static func bigMap(using rng: inout some RandomNumberGenerator, depth: Int) -> TermMap {
        var map = TermMap()
        let size = Int.random(in: 28...70, using: &rng)
        let kind = Int.random(in: 0..<5, using: &rng)
        var attempts = 0
        while map.count < size, attempts < 1000 {
            attempts += 1
            let key: Term
            switch kind {
            case 0: key = .integer(Int.random(in: -1000...1000, using: &rng))
            case 1: key = binary(using: &rng)
            case 2: key = Bool.random(using: &rng) ? float(using: &rng) : integer(using: &rng)
            case 3: key = .tuple([integer(using: &rng), string(using: &rng)])
            default: key = scalarKey(using: &rng)
            }
            map[key] = depth > 1 ? term(using: &rng, depth: 0) : integer(using: &rng)
        }
        return map
    }

    static func scalarKey(using rng: inout some RandomNumberGenerator) -> Term {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .integer(Int.random(in: -5...5, using: &rng))
        case 1: return .float(Double(Int.random(in: -5...5, using: &rng)))
        case 2: return .atom(atoms.randomElement(using: &rng) ?? "a")
        case 3: return .binary(Array((atoms.randomElement(using: &rng) ?? "a").utf8.prefix(3)))
        default: return string(using: &rng)
        }
    }
}
