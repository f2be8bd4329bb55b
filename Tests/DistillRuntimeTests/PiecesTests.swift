//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

@testable import DistillRuntime

/// The runtime's small parts, tested directly.
struct PiecesTests {
    // MARK: - Timer heap

    @Test func theTimerHeapPopsByDeadlineThenCreationAndSkipsCancelled() {
        var heap = TimerHeap()
        let references: [Term] = (0..<6).map { .integer($0) }
        for (index, deadline) in [50, 10, 30, 10, 20, 40].enumerated() {
            heap.add(
                deadline: UInt64(deadline),
                reference: references[index],
                target: .name("x"),
                message: references[index]
            )
        }
        #expect(heap.cancel(references[4]) == 20)
        #expect(heap.cancel(references[4]) == nil)
        #expect(heap.count == 5)
        var fired: [Term] = []
        while let entry = heap.popDue(now: 45) { fired.append(entry.message) }
        #expect(fired == [1, 3, 2, 5])
        #expect(heap.nextDeadline == 50)
    }

    // MARK: - Ring buffer

    @Test func theRingBufferKeepsOrderAcrossGrowthAndWrapAround() {
        var buffer = RingBuffer<Int>()
        var expected: [Int] = []
        var next = 0
        for round in 0..<200 {
            for _ in 0..<(round % 7 + 1) {
                buffer.append(next)
                expected.append(next)
                next += 1
            }
            for _ in 0..<(round % 5) {
                #expect(buffer.popFirst() == (expected.isEmpty ? nil : expected.removeFirst()))
            }
        }
        #expect(buffer.count == expected.count)
        #expect(buffer.removeAll() == expected)
        #expect(buffer.isEmpty)
    }

    // MARK: - State shapes

    struct Inner: Codable {
        var id: Int
        var tags: Set<String>
    }

    struct Shape: Codable {
        var name: String
        var inners: [Inner]
        var byKey: [String: Inner?]
        var mode: Mode
        var next: Box?
    }

    enum Mode: String, Codable { case on, off }

    final class Box: Codable {
        var shape: Shape?
    }

    @Test func stateShapesDescribeNestedTypesWithoutAnInstance() {
        func type(_ name: String) -> Term { .tuple(["type", .string(name)]) }
        let prefix = "DistillRuntimeTests.PiecesTests."
        let inner = Term.tuple([
            "struct", .string(prefix + "Inner"),
            [
                .tuple(["id", .string("Swift.Int"), type("Swift.Int")]),
                .tuple(["tags", .string("Swift.Set<Swift.String>"), .tuple(["set", type("Swift.String")])]),
            ],
        ])
        let box = Term.tuple([
            "struct", .string(prefix + "Box"),
            [
                .tuple([
                    "shape", .string("Swift.Optional<\(prefix)Shape>"),
                    .tuple(["optional", .tuple(["recursive", .string(prefix + "Shape")])]),
                ])
            ],
        ])
        let expected = Term.tuple([
            "struct", .string(prefix + "Shape"),
            [
                .tuple(["name", .string("Swift.String"), type("Swift.String")]),
                .tuple(["inners", .string("Swift.Array<\(prefix)Inner>"), .tuple(["list", inner])]),
                .tuple([
                    "byKey", .string("Swift.Dictionary<Swift.String, Swift.Optional<\(prefix)Inner>>"),
                    .tuple(["map", type("Swift.String"), .tuple(["optional", inner])]),
                ]),
                .tuple(["mode", .string(prefix + "Mode"), .tuple(["enum", .string(prefix + "Mode")])]),
                .tuple(["next", .string("Swift.Optional<\(prefix)Box>"), .tuple(["optional", box])]),
            ],
        ])
        #expect(StateShape.describe(Shape.self) == expected)
    }

    // MARK: - Child specs

    @Test func childSpecsRoundTripThroughTheirTerm() throws {
        let spec = ChildSpec(
            id: "kv",
            module: "KV",
            args: [1, 2],
            restart: .transient,
            shutdown: .brutalKill,
            kind: .worker,
            modules: ["KV", "KVFormat"],
            registeredName: "kv"
        )
        #expect(
            spec.term
                == .map([
                    "id": "kv", "start": .tuple(["KV", "start_link", [[1, 2]]]), "restart": "transient",
                    "shutdown": "brutal_kill", "type": "worker", "modules": ["KV", "KVFormat"], "registered_name": "kv",
                ])
        )
        #expect(try ChildSpec(term: spec.term) == spec)
        #expect(ChildSpec(id: "s", module: "Sup", kind: .supervisor).shutdown == .infinity)
        #expect(throws: RuntimeError.self) { try ChildSpec(term: .map(["id": "x"])) }
    }

    // MARK: - Exit reasons and timeouts

    @Test(arguments: [
        (ExitReason.normal, true), (.shutdown, true), (.shutdown("upgrade"), true), (.kill, false), (.killed, false),
        (ExitReason(.tuple(["shutdown", 1, 2])), false),
    ])
    func normalExitReasonsAreTheOnesOTPCallsNormal(reason: ExitReason, normal: Bool) {
        #expect(reason.isNormal == normal)
    }

    @Test func timeoutsReadLikeErlangs() {
        #expect(Timeout.infinity.term == "infinity")
        #expect((250 as Timeout).milliseconds == 250)
        #expect(Timeout(.microseconds(1500)).milliseconds == 2)
        #expect(Timeout.seconds(2).term == 2000)
    }

    // MARK: - Logging

    /// A peer's message that a server does not handle is logged bounded: a 200,000-digit
    /// integer took minutes to print digit by digit before.
    @Test func anUnexpectedMessageIsLoggedBounded() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("distill-big-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try FileLogHandler.Sink(path: path)
        let runtime = EmbeddedRuntime(logger: Logger(label: "distill.test") { FileLogHandler(label: $0, sink: sink) })
        defer { runtime.finish() }
        struct Quiet: Server {
            static let vsn: Term = 1
            init() {}
            func start(_ args: Term, _ ctx: ProcessContext) throws -> Int { 0 }
            func handleCall(_ request: Term, from: Caller, state: inout Int, _ ctx: ProcessContext) throws -> CallReply
            {
                .reply("ok")
            }
        }
        let counter = try runtime.spawn(Quiet.self)
        let huge = Term.integer(
            BigInteger(isNegative: false, littleEndianMagnitude: [UInt8](repeating: 0, count: 87_500) + [1])
        )
        let started = ContinuousClock.now
        runtime.send(counter, .tuple(["junk", huge, .binary(Array(repeating: 120, count: 100_000))]))
        runtime.cast(counter, .list(Array(repeating: huge, count: 3)))
        runtime.run()
        #expect(ContinuousClock.now - started < .seconds(5))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains("unexpected message") && $0.contains("<integer of 700001 bits>") })
        #expect(lines.contains { $0.contains("unexpected cast") })
        #expect(lines.allSatisfy { $0.utf8.count < 4096 + 200 }, "\(lines.map(\.utf8.count))")
    }

    @Test func theFileLogHandlerWritesOneLinePerEvent() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("distill-log-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try FileLogHandler.Sink(path: path)
        var logger = Logger(label: "distill.test") { FileLogHandler(label: $0, sink: sink) }
        logger[metadataKey: "pid"] = "<0.7.0>"
        logger.info("started", metadata: ["module": "KV"])
        logger.debug("not at this level")
        logger.error("crashed")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix(" info distill.test: started module=KV pid=<0.7.0>"))
        #expect(lines[1].hasSuffix(" error distill.test: crashed pid=<0.7.0>"))
        #expect(
            lines[0].count == "2025-01-31T12:00:00.123Z".count
                + " info distill.test: started module=KV pid=<0.7.0>".count
        )
    }

    @Test func callerRunsOffStillServesCalls() throws {
        let node = Node(
            configuration: .init(
                schedulers: 2,
                logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() },
                callerRuns: false
            )
        )
        defer { node.shutdown() }
        let counter = try node.spawn(Counter.self)
        let client = try node.spawn(Counter.self)
        for _ in 0..<100 { _ = try node.call(.pid(client), .tuple(["call", .pid(counter), "increment"])) }
        #expect(try node.call(.pid(counter), "get") == 100)
    }

    @Test func callersKeptInStateFindTheirProcessAgain() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            let client = try node.spawn(Counter.self)
            let waiting = Recorder()
            Thread {
                waiting.record((try? node.call(.pid(client), .tuple(["call", .pid(counter), "wait"]))) ?? "failed")
            }.start()
            #expect(eventually { node.processInfo(counter)?.messagesHandled == 1 })
            // The waiting caller is in the counter's state; encode it, decode it, reply through it.
            let state = try node.state(of: counter)
            let caller = try TermDecoder().decode(Counter.State.self, from: state).waiting.first
            #expect(caller?.pid == client)
            if let caller { node.reply(to: caller, "through the decoded caller") }
            #expect(waiting.wait(count: 1) == ["through the decoded caller"])
        }
    }
}
