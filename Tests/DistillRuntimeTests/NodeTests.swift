//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Foundation
import Testing

/// A real node (scheduler threads) for one test.
func withNode<R>(schedulers: Int = 2, _ body: (Node) throws -> R) rethrows -> R {
    let node = Node(
        configuration: .init(schedulers: schedulers, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    )
    defer { node.shutdown() }
    return try body(node)
}

struct NodeTests {
    // MARK: - Calls and casts

    @Test func callsRunOneAtATimeAndKeepState() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            #expect(try node.call(.pid(counter), "increment") == 1)
            #expect(try node.call(.pid(counter), "increment") == 2)
            #expect(try node.call(.pid(counter), "get") == 2)
        }
    }

    @Test func castsQueuedBeforeACallAreHandledFirst() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            for _ in 0..<1000 { node.cast(.pid(counter), "increment") }
            #expect(try node.call(.pid(counter), "get") == 1000)
        }
    }

    @Test func concurrentCallersAreServedOneMessageAtATime() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            let clients = try (0..<4).map { _ in try node.spawn(Counter.self) }
            DispatchQueue.concurrentPerform(iterations: clients.count) { index in
                for _ in 0..<2000 {
                    _ = try? node.call(.pid(clients[index]), .tuple(["call", .pid(counter), "increment"]))
                }
            }
            #expect(try node.call(.pid(counter), "get") == 8000)
        }
    }

    @Test func aServerCanReplyLater() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self, args: 7)
            let answer = Recorder()
            let waiter = Thread { answer.record((try? node.call(.pid(counter), "wait")) ?? "failed") }
            waiter.start()
            #expect(eventually { (node.processInfo(counter)?.messagesHandled ?? 0) >= 1 })
            #expect(try node.call(.pid(counter), "release") == "released")
            #expect(answer.wait(count: 1) == [7])
        }
    }

    @Test func aTimedOutCallThrowsAndItsLateReplyIsDropped() throws {
        try withNode { node in
            let slow = try node.spawn(Counter.self)
            let client = try node.spawn(Counter.self)
            // The client process calls the slow one with a short timeout, then calls it again:
            // the second answer must be the second call's, not the first call's late reply.
            #expect(throws: RuntimeError.self) {
                try node.call(.pid(client), .tuple(["call", .pid(slow), .tuple(["sleep", 300])]), timeout: 100)
            }
            do {
                _ = try node.call(.pid(slow), .tuple(["sleep", 300]), timeout: 50)
                Issue.record("expected a timeout")
            } catch let error as RuntimeError {
                #expect(error.code == .timeout)
            }
            #expect(try node.call(.pid(slow), "get") == 2)
            #expect(node.processInfo(client)?.messageQueueLength == 0)
        }
    }

    @Test func callingADeadProcessFailsWithNoProcess() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            node.stop(counter)
            #expect(!node.isAlive(counter))
            do {
                _ = try node.call(.pid(counter), "get")
                Issue.record("expected noProcess")
            } catch let error as RuntimeError {
                #expect(error.code == .noProcess)
            }
        }
    }

    @Test func aCallbackThatThrowsEndsItsProcessWithTheError() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            do {
                _ = try node.call(.pid(counter), "crash")
                Issue.record("expected the call to fail")
            } catch let error as RuntimeError {
                #expect(error.code == .exited)
                #expect(
                    error.reason
                        == ExitReason(.tuple(["error", .binary("DistillRuntimeTests.TestFailure"), .binary("boom")]))
                )
            }
            #expect(!node.isAlive(counter))
        }
    }

    @Test func aProcessThatCallsItselfCrashes() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self)
            do {
                _ = try node.call(.pid(counter), .tuple(["call", .pid(counter), "get"]))
                Issue.record("expected the call to fail")
            } catch let error as RuntimeError {
                #expect(error.code == .exited)
                let message = Term.binary("error: \(counter.text) called itself")
                #expect(error.reason == ExitReason(.tuple(["error", .binary("DistillRuntime.RuntimeError"), message])))
            }
            #expect(!node.isAlive(counter))
        }
    }

    @Test func startFailureIsReportedAndLeavesNoProcess() throws {
        try withNode { node in
            do {
                try node.spawn(Counter.self, args: "fail")
                Issue.record("expected startFailed")
            } catch let error as RuntimeError {
                #expect(error.code == .startFailed)
            }
            #expect(node.processCount == 0)
        }
    }

    // MARK: - Names

    @Test func registeredNamesResolveAndAreFreedOnExit() throws {
        try withNode { node in
            let counter = try node.spawn(Counter.self, registeredName: "counter")
            #expect(node.whereis("counter") == counter)
            #expect(try node.call("counter", "increment") == 1)
            node.cast("counter", "increment")
            #expect(try node.call("counter", "get") == 2)
            #expect(throws: RuntimeError.self) { try node.spawn(Counter.self, registeredName: "counter") }
            node.stop(counter)
            #expect(node.whereis("counter") == nil)
            let again = try node.spawn(Counter.self, registeredName: "counter")
            #expect(node.whereis("counter") == again)
        }
    }

    // MARK: - Monitors and links

    @Test func aMonitorGetsDownWithTheExitReason() throws {
        try withNode { node in
            let recorder = Recorder()
            let probe = try node.spawn(Probe.self, args: .integer(recorder.id))
            let counter = try node.spawn(Counter.self)
            let reference = try node.call(.pid(probe), .tuple(["monitor", .pid(counter)]))
            _ = try node.call(.pid(counter), .tuple(["stop", .tuple(["shutdown", "done"])]))
            let seen = recorder.wait(count: 1)
            #expect(seen == [.tuple(["DOWN", reference, "process", .pid(counter), .tuple(["shutdown", "done"])])])
        }
    }

    @Test func monitoringADeadProcessGivesDownNoproc() throws {
        try withNode { node in
            let recorder = Recorder()
            let probe = try node.spawn(Probe.self, args: .integer(recorder.id))
            let counter = try node.spawn(Counter.self)
            node.stop(counter)
            let reference = try node.call(.pid(probe), .tuple(["monitor", .pid(counter)]))
            #expect(recorder.wait(count: 1) == [.tuple(["DOWN", reference, "process", .pid(counter), "noproc"])])
        }
    }

    @Test func demonitorMeansNoDown() throws {
        try withNode { node in
            let recorder = Recorder()
            let probe = try node.spawn(Probe.self, args: .integer(recorder.id))
            let counter = try node.spawn(Counter.self)
            let reference = try node.call(.pid(probe), .tuple(["monitor", .pid(counter)]))
            _ = try node.call(.pid(probe), .tuple(["demonitor", reference]))
            node.stop(counter)
            node.send(.pid(probe), "marker")
            #expect(recorder.wait(count: 1) == ["marker"])
        }
    }

    @Test func aTrappingLinkedProcessGetsExitMessages() throws {
        try withNode { node in
            let recorder = Recorder()
            let probe = try node.spawn(Probe.self, args: .tuple([.integer(recorder.id), "trap_exit"]))
            let counter = try node.spawn(Counter.self)
            _ = try node.call(.pid(probe), .tuple(["link", .pid(counter)]))
            _ = try? node.call(.pid(counter), "crash")
            let reason = Term.tuple(["error", .binary("DistillRuntimeTests.TestFailure"), .binary("boom")])
            #expect(recorder.wait(count: 1) == [.tuple(["EXIT", .pid(counter), reason])])
            #expect(node.isAlive(probe))
        }
    }

    @Test func anAbnormalExitKillsANonTrappingLinkedProcess() throws {
        try withNode { node in
            let watcher = try node.spawn(Probe.self, args: .integer(Recorder().id))
            let counter = try node.spawn(Counter.self)
            _ = try node.call(.pid(watcher), .tuple(["link", .pid(counter)]))
            node.cast(.pid(counter), "crash")
            #expect(eventually { !node.isAlive(watcher) })
        }
    }

    @Test func aNormalExitDoesNotKillALinkedProcess() throws {
        try withNode { node in
            let watcher = try node.spawn(Probe.self, args: .integer(Recorder().id))
            let counter = try node.spawn(Counter.self)
            _ = try node.call(.pid(watcher), .tuple(["link", .pid(counter)]))
            _ = try node.call(.pid(counter), .tuple(["stop", "normal"]))
            #expect(eventually { !node.isAlive(counter) })
            #expect(try node.call(.pid(watcher), "ping") == "ok")
        }
    }

    @Test func killCannotBeTrappedAndLinksSeeKilled() throws {
        try withNode { node in
            let recorder = Recorder()
            let watcher = try node.spawn(Probe.self, args: .tuple([.integer(recorder.id), "trap_exit"]))
            let victim = try node.spawn(Probe.self, args: .tuple([.integer(Recorder().id), "trap_exit"]))
            _ = try node.call(.pid(watcher), .tuple(["link", .pid(victim)]))
            node.exit(victim, .kill)
            #expect(eventually { !node.isAlive(victim) })
            #expect(recorder.wait(count: 1) == [.tuple(["EXIT", .pid(victim), "killed"])])
        }
    }

    @Test func killingAProcessWaitingInACallEndsItAtOnce() throws {
        try withNode { node in
            let busy = try node.spawn(Counter.self)
            let recorder = Recorder()
            let caller = try node.spawn(Counter.self, args: .tuple(["recorder", .integer(recorder.id)]))
            Thread { _ = try? node.call(.pid(busy), .tuple(["sleep", 1000]), timeout: 5000) }.start()
            #expect(eventually { node.processInfo(busy)?.status == .running })
            Thread { _ = try? node.call(.pid(caller), .tuple(["call", .pid(busy), "get"]), timeout: 5000) }.start()
            #expect(eventually { node.processInfo(busy)?.messageQueueLength == 1 })
            let killed = Date()
            node.exit(caller, .kill)
            #expect(eventually(seconds: 0.5) { !node.isAlive(caller) })
            #expect(Date().timeIntervalSince(killed) < 0.5)
            // Killed: no terminate callback.
            #expect(recorder.terms == [.tuple(["started", .pid(caller)])])
        }
    }

    @Test func stopRunsTerminateWithTheReason() throws {
        try withNode { node in
            let recorder = Recorder()
            let counter = try node.spawn(Counter.self, args: .tuple(["recorder", .integer(recorder.id)]))
            #expect(try node.call(.pid(counter), .tuple(["stop", "normal"])) == "stopping")
            let seen = recorder.wait(count: 2)
            #expect(seen == [.tuple(["started", .pid(counter)]), .tuple(["terminate", .pid(counter), "normal"])])
            #expect(eventually { !node.isAlive(counter) })
        }
    }

    // MARK: - Timers

    @Test func sendAfterDeliversAndCancelStopsIt() throws {
        try withNode { node in
            let recorder = Recorder()
            let probe = try node.spawn(Probe.self, args: .integer(recorder.id))
            _ = try node.call(.pid(probe), .tuple(["send_after", 20, "first"]))
            let cancelled = try node.call(.pid(probe), .tuple(["send_after", 60, "never"]))
            let left = try node.call(.pid(probe), .tuple(["cancel_timer", cancelled]))
            #expect((left.intValue ?? -1) > 0)
            _ = try node.call(.pid(probe), .tuple(["send_after", 80, "second"]))
            #expect(recorder.wait(count: 2) == ["first", "second"])
            #expect(try node.call(.pid(probe), .tuple(["cancel_timer", cancelled])) == false)
        }
    }

    // MARK: - Scheduling

    @Test func blockedCallersDoNotStarveOtherProcesses() throws {
        // Two schedulers, four clients each blocked in a call to a slow server: the slow server
        // and an unrelated counter must still get threads.
        try withNode(schedulers: 2) { node in
            let slow = try node.spawn(Counter.self)
            let clients = try (0..<4).map { _ in try node.spawn(Counter.self) }
            for client in clients { node.send(.pid(client), "tick") }
            let group = DispatchGroup()
            for client in clients {
                DispatchQueue.global().async(group: group) {
                    _ = try? node.call(
                        .pid(client),
                        .tuple(["call", .pid(slow), .tuple(["sleep", 50])]),
                        timeout: 5000
                    )
                }
            }
            let other = try node.spawn(Counter.self)
            #expect(try node.call(.pid(other), "increment", timeout: 2000) == 1)
            #expect(group.wait(timeout: .now() + 10) == .success)
            #expect(try node.call(.pid(slow), "get") == 4)
        }
    }

    @Test func processesSpawnedFromAProcessAreLinkedWhenAsked() throws {
        try withNode { node in
            let parent = try node.spawn(Probe.self, args: .tuple([.integer(Recorder().id), "trap_exit"]))
            #expect(node.processInfo(parent)?.trapExit == true)
            #expect(node.processInfo(parent)?.module == "Probe")
        }
    }
}
