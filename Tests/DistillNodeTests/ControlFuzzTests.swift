//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// Fuzzes the control protocol against a live node: mutated and random frames, each on a
/// connection of its own; after every batch the node must be alive and answer `ping`.
///
/// Bounded for `make test` (20 seconds, seed 1); `DISTILL_FUZZ_SECONDS` and
/// `DISTILL_FUZZ_SEED` run it longer or elsewhere (`make fuzz` gives it 600 seconds). A frame
/// that kills the node or leaves it silent is written to `DISTILL_FUZZ_CRASH_DIRECTORY` (the
/// temporary directory by default) and named in the failure: add it to ``regressions``.
struct ControlFuzzTests {
    /// Frames that broke the node once (none found yet by the fuzzer; the issue's frames are
    /// in ControlHostileInputTests).
    static let regressions: [[UInt8]] = []

    static var seconds: Double {
        ProcessInfo.processInfo.environment["DISTILL_FUZZ_SECONDS"].flatMap(Double.init) ?? 20
    }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["DISTILL_FUZZ_SEED"].flatMap(UInt64.init) ?? 1 }

    /// Well-formed requests the mutations start from. No `stop` or `restart`: the node would
    /// rightly go away.
    static let corpus: [[UInt8]] = {
        let version = Term.binary(Array("0.2.0".utf8))
        let requests: [(String, [Term])] = [
            ("ping", []), ("pid", []), ("versions", []), ("describe", []), ("help", []), ("releases", []),
            ("which_releases", []), ("console", []),
            ("rpc", [.atom("lab"), .tuple([.atom("echo"), .list([1, 2, .string("three")])]), 1000]),
            ("rpc", [.atom("lab"), .tuple([.atom("echo"), .map(TermMap([(.atom("k"), .float(1.5))]))])]),
            ("cast", [.atom("lab"), .tuple([.atom("echo"), .atom("x")])]),
            ("send", [.atom("lab"), .tuple([.atom("hello"), .binary([1, 2, 3])])]),
            ("unpack", [version]), ("remove", [version]), ("make_permanent", [version]),
            (
                "upgrade",
                [
                    version,
                    .list([.tuple([.atom("soak"), 1]), .tuple([.atom("health"), .binary(Array("true".utf8))])]),
                ]
            ),
            ("install", [version, .list([.tuple([.atom("env"), .list([.tuple([.binary([65]), .binary([66])])])])])]),
        ]
        var frames = requests.map { ExternalTermFormat.encode(.tuple([.atom($0.0), .list($0.1)])) }
        frames.append(
            ExternalTermFormat.encode(
                .tuple([.atom("rpc"), .list([.atom("lab"), .string(String(repeating: "ab", count: 300))])]),
                compressed: true
            )
        )
        return frames
    }()

    @Test(.timeLimit(.minutes(30)))
    func mutatedAndRandomFramesNeverKillTheNode() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        var random = SplitMix64(seed: Self.seed)
        let deadline = ContinuousClock.now + .milliseconds(Int(Self.seconds * 1000))
        var sent = 0
        var batches = 0
        var outcomes: [String: Int] = [:]
        for frame in Self.regressions { _ = try exchange(frame, release) }
        while ContinuousClock.now < deadline {
            var batch: [[UInt8]] = []
            for _ in 0..<25 {
                let frame = Self.mutant(&random)
                guard !Self.stopsTheNode(frame) else { continue }
                batch.append(frame)
                let outcome = try exchange(frame, release)
                outcomes[outcome, default: 0] += 1
                sent += 1
                if !isAlive(pid) { break }
            }
            batches += 1
            let client = try ControlSocket(release.socket, timeout: .seconds(10))
            let answered = client.call("ping", []) == .reply(.tuple([.atom("ok"), .atom("pong")]))
            guard isAlive(pid), answered else {
                let saved = try save(batch)
                let state = isAlive(pid) ? "silent" : "dead"
                let log = String(release.log.suffix(3000))
                Issue.record("after \(sent) frames the node is \(state); the last batch is in \(saved)\n\(log)")
                return
            }
        }
        print(
            "control fuzz: seed \(Self.seed), \(sent) frames in \(batches) batches: \(outcomes.sorted { $0.key < $1.key })"
        )
        #expect(sent > 0)
    }

    /// Sends `frame` on a fresh connection, ends the connection's sending side, and says how
    /// the node answered.
    private func exchange(_ frame: [UInt8], _ release: TestRelease) throws -> String {
        let client = try ControlSocket(release.socket, timeout: .seconds(10))
        guard client.send(frame) else { return "closed while sending" }
        shutdown(client.fd, Int32(SHUT_WR))
        switch client.receive() {
        case .reply(let term):
            guard case .tuple(let parts) = term, let first = parts.first?.atomValue else { return "odd reply" }
            if first == "error", case .tuple(let error)? = parts.last, let code = error.first?.atomValue {
                return "error \(code)"
            }
            return first
        case .closed: return "closed"
        case .silent: return "silent"
        }
    }

    private func save(_ batch: [[UInt8]]) throws -> String {
        let directory =
            ProcessInfo.processInfo.environment["DISTILL_FUZZ_CRASH_DIRECTORY"]
            ?? FileManager.default.temporaryDirectory.path
        let path = directory + "/control-fuzz-\(Self.seed)-\(UUID().uuidString).hex"
        let text = batch.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Whether `frame` is a request that stops the node when it is well formed.
    static func stopsTheNode(_ frame: [UInt8]) -> Bool {
        guard frame.count > 4, let term = try? ExternalTermFormat.decode(Array(frame.dropFirst(4))),
            case .tuple(let parts) = term, let command = parts.first?.atomValue
        else { return false }
        return ["stop", "restart"].contains(command)
    }

    // MARK: - Mutations

    /// A frame: a mutated request, a spliced pair, nesting, or random bytes, behind a length
    /// prefix that is usually right.
    static func mutant(_ random: inout SplitMix64) -> [UInt8] {
        var payload: [UInt8]
        switch random.below(10) {
        case 0:
            payload = (0..<random.below(64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1:
            payload = nesting(&random)
        default:
            payload = corpus[random.below(corpus.count)]
            for _ in 0...random.below(4) { mutate(&payload, &random) }
        }
        var length = UInt32(payload.count)
        switch random.below(20) {
        case 0: length = UInt32(truncatingIfNeeded: random.next())
        case 1: length = length &+ UInt32(random.below(8))
        case 2: length = length > 0 ? UInt32(random.below(Int(length))) : 0
        default: break
        }
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + payload
    }

    static let interesting: [UInt8] = [
        0, 1, 0x7F, 0x80, 0xFF, 0xFE, 131, 80, 88, 90, 100, 104, 105, 106, 107, 108, 109, 110, 111, 116, 118, 119,
    ]

    static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        guard !bytes.isEmpty else {
            bytes = [131]
            return
        }
        let at = random.below(bytes.count)
        switch random.below(8) {
        case 0: bytes[at] ^= UInt8(1 << random.below(8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: random.next())
        case 2: bytes[at] = interesting[random.below(interesting.count)]
        case 3:
            bytes.insert(
                contentsOf: (0..<1 + random.below(8)).map { _ in interesting[random.below(interesting.count)] },
                at: at
            )
        case 4: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.below(16)))
        case 5:
            let end = min(bytes.count, at + 1 + random.below(32))
            bytes.insert(contentsOf: bytes[at..<end], at: end)
        case 6: bytes.removeSubrange(at...)
        default:
            // A length or count field made huge.
            for offset in 0..<min(4, bytes.count - at) { bytes[at + offset] = 0xFF }
        }
    }

    /// A request whose argument nests containers (and pids and references, whose node
    /// is a term of its own) thousands deep.
    static func nesting(_ random: inout SplitMix64) -> [UInt8] {
        let openers: [[UInt8]] = [
            [104, 1], [105, 0, 0, 0, 1], [108, 0, 0, 0, 1], [116, 0, 0, 0, 1, 97, 1], [88], [90, 0, 1], [103], [101],
        ]
        var bytes: [UInt8] = [131, 104, 2, 119, 4] + Array("ping".utf8) + [108, 0, 0, 0, 1]
        for _ in 0..<(1 + random.below(20_000)) { bytes += openers[random.below(openers.count)] }
        return bytes + [106, 106]
    }
}

extension SplitMix64 {
    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}
