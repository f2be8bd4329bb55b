//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation
import Testing

@testable import DistillTerm

/// The External Term Format against real Erlang: one escript per test handles a whole
/// batch of terms passed as files of length-prefixed ETF (`<<Size:32, Bytes/binary>>`).
struct ETFInteropTests {
    // MARK: - Helpers

    static func frames(_ chunks: [[UInt8]]) -> Data {
        var data = Data()
        for chunk in chunks {
            withUnsafeBytes(of: UInt32(chunk.count).bigEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: chunk)
        }
        return data
    }

    static func unframe(_ data: Data) -> [[UInt8]] {
        let bytes = [UInt8](data)
        var chunks: [[UInt8]] = []
        var offset = 0
        while offset + 4 <= bytes.count {
            let size = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            chunks.append(Array(bytes[offset + 4..<offset + 4 + size]))
            offset += 4 + size
        }
        return chunks
    }

    /// Erlang that reads `In` (frames) into `Terms` and writes `Out` (frames); `body`
    /// computes `Results`, a list of binaries.
    static func runBatch(_ input: [[UInt8]], _ body: String) throws -> [[UInt8]] {
        let directory = try TemporaryDirectory()
        let inPath = directory.url.appendingPathComponent("in.etf").path
        let outPath = directory.url.appendingPathComponent("out.etf").path
        try frames(input).write(to: URL(fileURLWithPath: inPath))
        try Erlang.run(
            #"""
            [In, Out] = Args,
            {ok, Data} = file:read_file(In),
            Split = fun Split(<<>>, Acc) -> lists:reverse(Acc);
                        Split(<<N:32, B:N/binary, Rest/binary>>, Acc) -> Split(Rest, [B | Acc]) end,
            Terms = [binary_to_term(B) || B <- Split(Data, [])],
            Results = begin \#(body) end,
            ok = file:write_file(Out, << <<(byte_size(R)):32, R/binary>> || R <- Results >>)
            """#,
            arguments: [inPath, outPath]
        )
        return unframe(try Data(contentsOf: URL(fileURLWithPath: outPath)))
    }

    /// Whether OTP's byte order of `term` is knowable: no map over 32 entries whose key
    /// order depends on the VM (see `ETFMapOrder`).
    static func hasKnowableOrder(_ term: Term) -> Bool {
        switch term {
        case .map(let map):
            if map.count > ETFMapOrder.flatmapLimit, ETFMapOrder.hashOrder(map) == nil { return false }
            return map.entries.allSatisfy { hasKnowableOrder($0.key) && hasKnowableOrder($0.value) }
        case .tuple(let elements), .list(let elements):
            return elements.allSatisfy(hasKnowableOrder)
        case .improperList(let elements, let tail):
            return elements.allSatisfy(hasKnowableOrder) && hasKnowableOrder(tail)
        default:
            return true
        }
    }

    // MARK: - Our terms through Erlang

    @Test(.requiresErlang) func erlangWritesOurRandomTermsByteForByte() throws {
        var rng = SplitMix64(seed: 0xE7F_2025)
        let terms = (0..<400).map { _ in ETFRandomTerms.term(using: &rng, depth: 3) }
        let ours = terms.map { ExternalTermFormat.encode($0) }
        let results = try Self.runBatch(
            ours,
            "lists:append([[term_to_binary(T), term_to_binary(T, [compressed])] || T <- Terms])"
        )
        try #require(results.count == 2 * terms.count)
        var exact = 0
        for (index, term) in terms.enumerated() {
            let (erlangPlain, erlangCompressed) = (results[2 * index], results[2 * index + 1])
            #expect(try ExternalTermFormat.decode(erlangPlain) == term, "term \(index)")
            #expect(try ExternalTermFormat.decode(erlangCompressed) == term, "term \(index)")
            if Self.hasKnowableOrder(term) {
                exact += 1
                #expect(erlangPlain == ours[index], "term \(index): \(term.briefDescription)")
                #expect(erlangCompressed == ExternalTermFormat.encode(term, compressed: true), "term \(index)")
            }
        }
        #expect(exact > 350)
    }

    @Test(.requiresErlang) func erlangWritesBigMapsOfHashableKeysByteForByte() throws {
        var rng = SplitMix64(seed: 33)
        var maps: [Term] = [
            .map(TermMap((0..<2000).map { (.integer($0 * 7919 - 5000), .integer($0)) })),
            .map(TermMap((0..<300).map { (.binary(Array("key-\($0)".utf8)), .string("v\($0)")) })),
            .map(TermMap((0..<100).map { (.tuple([.integer($0), .float(Double($0) / 3)]), .nil) })),
            .map(
                TermMap((0..<100).map { (.list([.integer($0), .string("\u{3BB}\($0)")], tail: .binary([1])), .nil) })
            ),
            .map(
                TermMap((0..<40).map { (.map(TermMap((0...$0).map { (.integer($0), .integer($0)) })), .integer($0)) })
            ),
            .map(TermMap((0..<50).map { (.integer(BigInteger("1" + String(repeating: "0", count: 20 + $0))!), .nil) })),
        ]
        for _ in 0..<30 { maps.append(.map(ETFRandomTerms.bigMap(using: &rng, depth: 1))) }
        let knowable = maps.filter(Self.hasKnowableOrder)
        #expect(knowable.count >= 25)
        let results = try Self.runBatch(
            knowable.map { ExternalTermFormat.encode($0) },
            "[term_to_binary(T) || T <- Terms]"
        )
        for (index, map) in knowable.enumerated() {
            #expect(
                results[index] == ExternalTermFormat.encode(map),
                "map \(index) of \(map.mapValue?.count ?? 0) entries"
            )
        }
    }

    @Test(.requiresErlang) func ourHashMatchesErtsInternalHash() throws {
        var rng = SplitMix64(seed: 7)
        var terms: [Term] = [
            .float(-0.0), .float(0.0), .binary(Array(0..<200)), .string("abcd"), .string("abcde"), .string("\u{3BB}a"),
            .improperList([1, 2], tail: 3), .improperList([.tuple([])], tail: .binary([])), .list([.list([1]), 2]),
            .integer(1 << 59), .integer((1 << 59) - 1), .integer(-(1 << 59)), .integer(-(1 << 59) - 1),
            .integer(Int.min),
            .integer(BigInteger("-340282366920938463463374607431768211457")!),
            .map([1: 2, 3: .map([4: 5])]), .map(TermMap((0..<40).map { (.integer($0), .integer($0)) })),
        ]
        while terms.count < 300 {
            let term = ETFRandomTerms.term(using: &rng, depth: 2)
            if OTPInternalHash.hash(term) != nil { terms.append(term) }
        }
        let results = try Self.runBatch(
            terms.map { ExternalTermFormat.encode($0) },
            """
            erts_debug:set_internal_state(available_internal_state, true),
            [<<(erts_debug:get_internal_state({internal_hash, T})):32>> || T <- Terms]
            """
        )
        for (index, term) in terms.enumerated() {
            let erlang = results[index].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(OTPInternalHash.hash(term) == erlang, "term \(index): \(term.briefDescription)")
        }
    }

    // MARK: - Erlang's terms through us

    @Test(.requiresErlang) func weRewriteErlangsTrickyTermsByteForByte() throws {
        let results = try Self.runBatch(
            [],
            #"""
            Tricky = [
                1 bsl 64, -(1 bsl 64), (1 bsl 64) - 1, 1 bsl 2040, -(1 bsl 2039), 0, 255, 256, -1,
                2147483647, 2147483648, -2147483648, -2147483649, 576460752303423487, -576460752303423488,
                0.0, -0.0, 1.5, 1.0e300, 5.0e-324, math:pi(), -2.2250738585072014e-308,
                '', hello, 'caf\x{e9}', '\x{3bb}', '\x{65e5}\x{672c}', list_to_atom(lists:duplicate(255, 955)),
                list_to_atom(lists:duplicate(255, $z)), 'hello world',
                "", "abc", [955, 97], lists:seq(0, 255), lists:duplicate(65535, $a), lists:duplicate(65536, $a),
                [a | b], [1, 2 | <<3>>], [[]], "caf\x{e9}",
                <<>>, <<1, 2, 3>>, binary:copy(<<"x">>, 70000),
                {}, {a}, list_to_tuple(lists:seq(1, 300)),
                #{}, #{a => 1, <<"a">> => 2, 1 => 3, 1.0 => 4, "a" => 5, {a} => 6, [] => 7, #{} => 8},
                maps:from_list([{I, I * I} || I <- lists:seq(1, 33)]),
                maps:from_list([{integer_to_binary(I), I} || I <- lists:seq(1, 100)]),
                maps:from_list([{{I, float(I)}, [I]} || I <- lists:seq(1, 50)]),
                maps:from_list([{list_to_atom("k" ++ integer_to_list(I)), I} || I <- lists:seq(1, 40)]),
                self(), make_ref(), {self(), make_ref()},
                lists:foldl(fun(_, Acc) -> {Acc} end, x, lists:seq(1, 200)),
                lists:foldl(fun(_, Acc) -> [Acc] end, [], lists:seq(1, 200)),
                #{#{1 => 2} => #{[] => {}}},
                lists:duplicate(50, {hello, <<"world">>, "again"})
            ],
            lists:append([[term_to_binary(T), term_to_binary(T, [compressed]),
                           term_to_binary(T, [{minor_version, 0}])] || T <- Tricky])
            """#
        )
        try #require(results.count % 3 == 0 && results.count > 100)
        var rewritten = 0
        for index in stride(from: 0, to: results.count, by: 3) {
            let (plain, compressed, legacy) = (results[index], results[index + 1], results[index + 2])
            let term = try ExternalTermFormat.decode(plain)
            #expect(try ExternalTermFormat.decode(compressed) == term, "term \(index / 3)")
            #expect(try ExternalTermFormat.decode(legacy) == term, "term \(index / 3)")
            if Self.hasKnowableOrder(term) {
                rewritten += 1
                #expect(ExternalTermFormat.encode(term) == plain, "term \(index / 3): \(term.briefDescription)")
                #expect(ExternalTermFormat.encode(term, compressed: true) == compressed, "term \(index / 3)")
            }
        }
        #expect(rewritten == results.count / 3 - 1)  // all but the map of 40 atom keys
        #expect(try ExternalTermFormat.decode(results[0]) == .integer(BigInteger("18446744073709551616")!))
        #expect(try ExternalTermFormat.decode(results[3 * 26]) == .atom("\u{65E5}\u{672C}"))
    }

    // MARK: - Term order

    /// Terms from a small domain, so that pairs are often equal or nearly so.
    static func nearTerm(using rng: inout SplitMix64, depth: Int) -> Term {
        let kind = Int.random(in: 0..<(depth > 0 ? 14 : 9), using: &rng)
        switch kind {
        case 0: return .integer(Int.random(in: -2...2, using: &rng))
        case 1: return .float(Double(Int.random(in: -4...4, using: &rng)) / 2)
        case 2: return .integer([1 << 62, -(1 << 62), Int.max].randomElement(using: &rng) ?? 0)
        case 3: return .atom(["a", "b", "ab", "\u{E9}"].randomElement(using: &rng) ?? "a")
        case 4: return .binary([[], [1], [1, 2], [2]].randomElement(using: &rng) ?? [])
        case 5: return .nil
        case 6:
            return .pid(
                Pid(
                    node: ["a@h", "b@h"].randomElement(using: &rng) ?? "a@h",
                    id: UInt32.random(in: 0...2, using: &rng),
                    serial: UInt32.random(in: 0...1, using: &rng),
                    creation: UInt32.random(in: 1...2, using: &rng)
                )
            )
        case 7:
            return .reference(
                Reference(
                    node: ["a@h", "b@h"].randomElement(using: &rng) ?? "a@h",
                    creation: UInt32.random(in: 1...2, using: &rng),
                    ids: (0..<Int.random(in: 1...3, using: &rng)).map { _ in UInt32.random(in: 0...1, using: &rng) }
                )
            )
        case 8: return .string(["", "a", "ab", "\u{3BB}"].randomElement(using: &rng) ?? "")
        case 9, 10:
            let elements = (0..<Int.random(in: 0...2, using: &rng)).map { _ in nearTerm(using: &rng, depth: depth - 1) }
            return kind == 9 ? .tuple(elements) : .list(elements)
        case 11:
            let elements = (0..<Int.random(in: 1...2, using: &rng)).map { _ in nearTerm(using: &rng, depth: depth - 1) }
            return .list(elements, tail: nearTerm(using: &rng, depth: 0))
        default:
            var map = TermMap()
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                map[nearTerm(using: &rng, depth: depth - 1)] = nearTerm(using: &rng, depth: depth - 1)
            }
            return .map(map)
        }
    }

    @Test(.requiresErlang) func termOrderAndMapKeyOrderMatchErlang() throws {
        var rng = SplitMix64(seed: 2025)
        var pairs: [(Term, Term)] = []
        while pairs.count < 600 {
            let left = Self.nearTerm(using: &rng, depth: 2)
            let right = Bool.random(using: &rng) ? Self.nearTerm(using: &rng, depth: 2) : left
            pairs.append((left, right))
        }
        let results = try Self.runBatch(
            pairs.map { ExternalTermFormat.encode(.tuple([$0.0, $0.1])) },
            """
            Sign = fun(A, B) when A < B -> 0; (A, B) when A == B -> 1; (_, _) -> 2 end,
            KeySign = fun(A, B) ->
                          case maps:keys(#{A => 0, B => 0}) of [_] -> 1; [K | _] when K =:= A -> 0; _ -> 2 end
                      end,
            [<<(Sign(A, B)), (KeySign(A, B))>> || {A, B} <- Terms]
            """
        )
        for (index, (left, right)) in pairs.enumerated() {
            let erlangOrder = Int(results[index][0]) - 1
            let erlangKeyOrder = Int(results[index][1]) - 1
            let ours = Term.compare(left, right).signum()
            let oursKey = Term.mapKeyOrder(left, right).signum()
            #expect(ours == erlangOrder, "compare(\(left.briefDescription), \(right.briefDescription))")
            #expect(oursKey == erlangKeyOrder, "mapKeyOrder(\(left.briefDescription), \(right.briefDescription))")
        }
    }
}
