//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Testing

struct EmbeddedRuntimeTests {
    @Test func timersFireInDeadlineOrderWhenTheClockMoves() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let probe = try runtime.spawn(Probe.self, args: .integer(recorder.id))
        for (delay, label) in [(300, "c"), (100, "a"), (200, "b1"), (200, "b2"), (5000, "late")] as [(Int, Term)] {
            _ = try runtime.call(probe, .tuple(["send_after", .integer(delay), label]))
        }
        #expect(recorder.terms.isEmpty)
        runtime.advanceTime(by: .milliseconds(99))
        #expect(recorder.terms.isEmpty)
        runtime.advanceTime(by: .milliseconds(250))
        #expect(recorder.terms == ["a", "b1", "b2", "c"])
        #expect(runtime.now == .milliseconds(349))
        let report = runtime.finish()
        #expect(report.isClean)
        #expect(report.pendingTimers == 1)
    }

    @Test func theSameScenarioRunsTheSameWayTwice() throws {
        func scenario() throws -> ([Term], [Pid]) {
            let recorder = Recorder()
            let runtime = EmbeddedRuntime()
            let probe = try runtime.spawn(Probe.self, args: .integer(recorder.id))
            let counters = try (0..<3).map { _ in try runtime.spawn(Counter.self) }
            for counter in counters { _ = try runtime.call(probe, .tuple(["monitor", .pid(counter)])) }
            for (index, counter) in counters.enumerated().reversed() {
                runtime.node.send(.pid(probe), .integer(index))
                runtime.node.cast(.pid(counter), "crash")
            }
            runtime.run()
            let seen = recorder.terms.map { term -> Term in
                // References differ between nodes (by creation); keep the shape and the pid.
                guard case .tuple(let elements) = term, elements.count == 5 else { return term }
                return .tuple([elements[0], elements[3]])
            }
            runtime.finish()
            return (seen, counters)
        }
        let first = try scenario()
        let second = try scenario()
        #expect(first.0 == second.0)
        #expect(first.1.map(\.id) == second.1.map(\.id))
        #expect(first.0.count == 6)
    }

    @Test func aCallThatCanNeverBeAnsweredFailsAtOnce() throws {
        let runtime = EmbeddedRuntime()
        let counter = try runtime.spawn(Counter.self)
        do {
            _ = try runtime.call(counter, "wait")
            Issue.record("expected a timeout")
        } catch let error as RuntimeError {
            #expect(error.code == .timeout)
        }
        #expect(try runtime.call(counter, "get") == 0)
        runtime.finish()
    }

    @Test func nestedCallsRunOnTheTestThread() throws {
        let runtime = EmbeddedRuntime()
        let inner = try runtime.spawn(Counter.self, args: 41)
        let outer = try runtime.spawn(Counter.self)
        runtime.node.cast(.pid(inner), "increment")
        #expect(try runtime.call(outer, .tuple(["call", .pid(inner), "get"])) == 42)
        #expect(runtime.finish().isClean)
    }

    @Test func finishReportsStrayMessagesAndCrashes() throws {
        let runtime = EmbeddedRuntime()
        let suspended = try runtime.spawn(Counter.self)
        let crashing = try runtime.spawn(Counter.self)
        try runtime.node.suspend(suspended)
        runtime.cast(suspended, "increment")
        runtime.cast(crashing, "crash")
        let report = runtime.finish()
        #expect(!report.isClean)
        #expect(report.strayMessages.map(\.pid) == [suspended] && report.strayMessages.first?.count == 1)
        #expect(report.crashes.map(\.pid) == [crashing])
        #expect(report.liveProcesses == [suspended])
        #expect(runtime.node.processCount == 0)
    }

    @Test func applicationsStartByModuleName() throws {
        let recorder = Recorder()
        let runtime = EmbeddedRuntime()
        let application = Application(
            name: "tests",
            version: "1.0.0",
            start: TestSupervisor.self,
            startArgs: SupervisorTests.arguments("one_for_one", [("a", "permanent")], recorder),
            modules: [Worker.self],
            registered: ["a"],
            env: ["answer": 42]
        )
        let supervisor = try runtime.start(application)
        #expect(supervisor != nil)
        #expect(try runtime.call("a", "ping") == "a")
        #expect(runtime.node.environment("tests", "answer") == 42)
        runtime.node.setEnvironment("tests", "answer", 43)
        #expect(runtime.node.environment("tests", "answer") == 43)
        #expect(runtime.node.runningApplications.map(\.name) == ["tests"])
        try runtime.node.stopApplication("tests")
        #expect(runtime.node.processCount == 0)
        #expect(runtime.finish().isClean)
    }
}
