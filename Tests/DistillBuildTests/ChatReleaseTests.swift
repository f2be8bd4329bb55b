//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillPlan
import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Synchronization
import Testing

/// `Fixtures/chat` built into real releases, deployed with `tar -xzf`, started with
/// `bin/chat start`, and hot-upgraded to 0.2.0 and back while TCP clients keep chatting.
@Suite(.serialized)
struct ChatReleaseTests {
    static let releases = FixtureReleases(workspace: .chat)

    static func v010() async throws -> FixtureReleases.Built { try await releases.built("0.1.0") }
    static func v020() async throws -> FixtureReleases.Built {
        try await releases.built("0.2.0", upgradingFrom: ["0.1.0"])
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// 0.2.0 changes the code of the registry and the sessions but no state: a soft update of
    /// those two modules, and nothing else.
    @Test func theUpgradeIsASoftUpdateOfTheChangedModules() async throws {
        let built = try await Self.v020()
        let upgrade = try #require(built.result.upgrades.first)
        #expect(upgrade.from == "0.1.0")
        let application = try #require(upgrade.plan.applications.first)
        #expect(application.name == "chat" && application.fromVersion == "0.1.0" && application.toVersion == "0.2.0")
        #expect(application.changes.softUpdated == ["ChatRegistry", "ChatSession"])
        #expect(application.changes.supervisorUpdated == [] && application.changes.loaded == [])
        #expect(!upgrade.plan.runtimeChanged)
        #expect(
            upgrade.plan.description
                == "chat 0.1.0 -> 0.2.0 (generated appup)\n"
                + "  update   ChatRegistry (soft)\n  update   ChatSession (soft)"
        )
        let appup = try Appup(parsing: Self.read(built.root + "/lib/chat-0.2.0/ebin/chat.appup"), file: "chat.appup")
        let instructions = "[{update,'ChatRegistry',[]},{update,'ChatSession',[]}]"
        #expect(
            TermPrinter.printCompact(appup.term)
                == "{\"0.2.0\",[{\"0.1.0\",\(instructions)}],[{\"0.1.0\",\(instructions)}]}"
        )
        let relup = try Relup(parsing: Self.read(built.root + "/releases/0.2.0/relup"), file: "relup")
        func script(_ version: String) -> String {
            "[{load_object_code,{chat,\"\(version)\",['ChatRegistry','ChatSession']}},point_of_no_return,"
                + "{suspend,['ChatRegistry']},{load,{'ChatRegistry',brutal_purge,brutal_purge}},"
                + "{resume,['ChatRegistry']},{suspend,['ChatSession']},"
                + "{load,{'ChatSession',brutal_purge,brutal_purge}},{resume,['ChatSession']}]"
        }
        #expect(
            TermPrinter.printCompact(relup.term)
                == "{\"0.2.0\",[{\"0.1.0\",[],\(script("0.2.0"))}],[{\"0.1.0\",[],\(script("0.1.0"))}]}"
        )
        let sysConfig = try SysConfig(parsing: Self.read(built.root + "/releases/0.2.0/sys.config"), file: "sys.config")
        #expect(TermPrinter.printCompact(sysConfig.term) == "[{chat,[{port,0}]}]")
    }

    /// Clients name themselves, see each other's lines, list who is in, are refused what the
    /// protocol refuses, and leave by closing.
    @Test func clientsChatThroughTheDeployedRelease() async throws {
        let base = try await Self.v010()
        // Blocking I/O from here on, on this task (#expect needs the test's task).
        do {
            let node = try DeployedRelease(name: "chat", deploying: base.tarball)
            defer { node.stopIfRunning() }
            let port = try node.startChat()
            let alice = try ChatClient(port: port, name: "alice")
            let bob = try ChatClient(port: port, name: "bob")
            let carol = try ChatClient(port: port, name: "carol")

            try alice.send("hello before a nick")
            #expect(try alice.readLine() == "error 1 say NICK <name> first")
            for client in [alice, bob, carol] { try client.send("NICK \(client.name)") }
            #expect(try alice.readLine() == "ok 2")
            #expect(try bob.readLine() == "ok 1")
            #expect(try carol.readLine() == "ok 1")
            let mallory = try ChatClient(port: port, name: "mallory")
            try mallory.send("NICK alice")
            #expect(try mallory.readLine() == "error 1 nick alice is taken")

            // TCP may split a line: the session keeps the part until the line break comes.
            try alice.write(Array("hi every".utf8))
            usleep(50_000)
            try alice.write(Array("one\r\nsecond line\n".utf8))
            #expect(try alice.readLine() == "ok 3")
            #expect(try alice.readLine() == "ok 4")
            for client in [bob, carol] {
                #expect(try client.readLine() == "alice: hi everyone")
                #expect(try client.readLine() == "alice: second line")
            }
            try bob.send("/who")
            #expect(try bob.readLine() == "users alice bob carol")
            #expect(try bob.readLine() == "ok 2")
            try bob.send("NICK robert")
            #expect(try bob.readLine() == "error 3 already named bob")

            carol.shutdown()
            let left = try Self.waitUntil { try node.rpc("chat_registry", "who") == "[<<\"alice\">>,<<\"bob\">>]" }
            #expect(left, "carol's nick is freed when her connection closes")
            try mallory.send("NICK carol")
            #expect(try mallory.readLine() == "ok 2")
            try mallory.send("I am carol now")
            #expect(try mallory.readLine() == "ok 3")
            #expect(try alice.readLine() == "carol: I am carol now")
            #expect(try bob.readLine() == "carol: I am carol now")
            #expect(try node.rpc("chat_acceptor", "accepted") == "4")
            #expect(try node.rpc("chat_registry", "broadcasts") == "3")
        }
    }

    /// The acceptance test of live upgrades: four clients send lines without pause, each
    /// waiting for its acknowledgement, while the node is upgraded to 0.2.0 and downgraded
    /// to 0.1.0 twenty times. No connection drops, every line is acknowledged in order, every
    /// broadcast reaches every other client in order, each connection sees every switch, and
    /// the end speaks 0.1.0 again.
    @Test func upgradesAndDowngradesUnderLoadKeepEveryConnection() async throws {
        let base = try await Self.v010()
        let upgraded = try await Self.v020()
        let started = ContinuousClock.now
        // Blocking I/O from here on, on this task (#expect needs the test's task).
        do {
            let node = try DeployedRelease(name: "chat", deploying: base.tarball)
            defer { node.stopIfRunning() }
            let port = try node.startChat()
            try node.place(upgraded.tarball, version: "0.2.0")
            let names = ["alice", "bob", "carol", "dave"]
            let clients = try names.map { try ChatClient(port: port, name: $0) }
            for client in clients {
                try client.send("NICK \(client.name)")
                #expect(try client.readLine() == "ok 1")
            }

            let stop = StopFlag()
            let loads = clients.map { ChatLoad(client: $0) }
            let running = DispatchGroup()
            for load in loads {
                running.enter()
                Thread.detachNewThread {
                    load.run(until: stop)
                    running.leave()
                }
            }
            // Each switch, then every client's next acknowledgement in the new format (so each
            // connection is seen to change, however the threads are scheduled).
            var switches: [(command: String, window: Range<ContinuousClock.Instant>)] = []
            var installs: [(milliseconds: Double, changed: Int)] = []
            var failure: (any Error)?
            for round in 0..<20 {
                let command = round.isMultiple(of: 2) ? ["upgrade", "0.2.0"] : ["downgrade", "0.1.0"]
                let began = ContinuousClock.now
                do {
                    let output = try node.expectSuccess(command)
                    // The release handler's own account: how long the install took (processes
                    // suspended, code changed, resumed) and how many processes changed code.
                    if let installed = output.firstMatch(of: /installed \S+ over \S+ in ([\d.]+) ms \((\d+) process/) {
                        installs.append((Double(installed.1)!, Int(installed.2)!))
                    } else {
                        Issue.record("bin/chat \(command.joined(separator: " ")) said: \(output)")
                    }
                    switches.append((command.joined(separator: " "), began..<ContinuousClock.now))
                    guard Self.waitUntil({ loads.allSatisfy { $0.switchesSeen > round || $0.hasFailed } }) else {
                        throw ChatClient.Failure(description: "after \(command): not every client saw the switch")
                    }
                } catch {
                    failure = error
                    break
                }
            }
            stop.raise()
            running.wait()
            if let failure { throw failure }

            for load in loads { #expect(load.failure == nil, "\(load.failure ?? "")") }
            #expect(switches.count == 20)
            // The registry and the four sessions, each time.
            #expect(installs.map(\.changed) == Array(repeating: 5, count: 20))
            let sent = Dictionary(uniqueKeysWithValues: loads.map { ($0.client.name, $0.sent) })
            for load in loads where load.failure == nil {
                try load.drain(expecting: sent)
                #expect(load.switchesSeen == 20, "\(load.client.name) saw \(load.switchesSeen) switches of its acks")
                #expect(load.broadcastVersions == ["0.1.0", "0.2.0"], "\(load.client.name)")
                for (sender, count) in sent where sender != load.client.name {
                    #expect(load.received[sender] == Array(0..<count), "\(load.client.name) from \(sender)")
                }
            }

            // Still connected, and speaking 0.1.0 again.
            for client in clients {
                try client.send("still here")
                #expect(try client.readLine() == "ok \(sent[client.name]! + 2)")
                for other in clients where other !== client {
                    #expect(try other.readLine() == "\(client.name): still here")
                }
            }
            try clients[0].send("/who")
            #expect(try clients[0].readLine() == "users alice bob carol dave")
            #expect(try clients[0].readLine() == "ok \(sent["alice"]! + 3)")
            #expect(try node.rpc("chat_acceptor", "accepted") == "4")
            #expect(try Self.read(node.root + "/releases/start_erl.data").hasSuffix(" 0.1.0"))

            let lines = loads.map(\.sent).reduce(0, +)
            let waits = loads.flatMap { $0.ackWaits.map(\.wait) }.sorted()
            let longest = waits.last ?? .zero
            #expect(longest < .seconds(5), "a client waited \(longest) for an acknowledgement")
            // The longest wait of a line in flight during one of `windows` (or, not `inside`, during none).
            func longestWait(during windows: ArraySlice<Range<ContinuousClock.Instant>>, inside: Bool = true) -> String
            {
                let worst = loads.flatMap(\.ackWaits).filter { wait in
                    windows.contains { $0.overlaps(wait.sent..<(wait.sent + wait.wait)) } == inside
                }.map(\.wait).max()
                return Self.milliseconds(worst ?? .zero)
            }
            let windows = switches.map(\.window)[...]
            let slowest = switches.dropFirst().max { $0.window.duration < $1.window.duration }
            print(
                "chat under load: \(lines) lines acknowledged and \(lines * (clients.count - 1)) broadcasts "
                    + "delivered during \(switches.count) upgrades/downgrades. Wait for an ack: median "
                    + "\(Self.milliseconds(waits[waits.count / 2])) ms, p99 "
                    + "\(Self.milliseconds(waits[waits.count * 99 / 100])) ms, "
                    + "longest \(Self.milliseconds(longest)) ms; the release handler's installs took at most "
                    + String(format: "%.2f", installs.map(\.milliseconds).max() ?? 0) + " ms; "
                    + "longest during the first upgrade (which unpacks and loads 0.2.0) "
                    + "\(longestWait(during: windows.prefix(1))) ms, during the other switches "
                    + "\(longestWait(during: windows.dropFirst())) ms, outside the switches "
                    + "\(longestWait(during: windows, inside: false)) ms. "
                    + "bin/chat upgrade 0.2.0 the first time "
                    + "\(Self.milliseconds(windows.first?.duration ?? .zero)) ms, the slowest later switch "
                    + (slowest.map { "(\($0.command)) \(Self.milliseconds($0.window.duration)) ms" } ?? "-")
            )
        }
        print("chat under load: test took \(ContinuousClock.now - started)")
    }

    /// `duration` in milliseconds, two decimals.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    /// Polls `condition` every 20 ms for up to 10 s.
    static func waitUntil(_ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}

extension Range<ContinuousClock.Instant> {
    var duration: Duration { upperBound - lowerBound }
}

/// A flag the test raises once, and the load threads read.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    var isRaised: Bool { raised.load(ordering: .relaxed) }

    func raise() { raised.store(true, ordering: .relaxed) }
}

/// One client's side of the load: sends `line N` (N from 0) and waits for its
/// acknowledgement, again and again, recording what else arrives meanwhile.
final class ChatLoad: @unchecked Sendable {
    let client: ChatClient
    /// Lines sent and acknowledged (the session also handled the `NICK` line before them).
    private(set) var sent = 0
    /// The `N` of each broadcast line received, by sender.
    private(set) var received: [String: [Int]] = [:]
    /// The versions whose acknowledgement format was seen, in order of the lines, collapsed.
    private(set) var ackVersions: [String] = []
    /// The versions whose broadcast format was seen.
    private(set) var broadcastVersions: Set<String> = []
    /// When each line was sent and how long it waited for its acknowledgement, in order.
    private(set) var ackWaits: [(sent: ContinuousClock.Instant, wait: Duration)] = []
    private(set) var failure: String?
    private let switches = Atomic<Int>(0)
    private let failed = Atomic<Bool>(false)

    /// How often the acknowledgements changed format (readable while the load runs).
    var switchesSeen: Int { switches.load(ordering: .acquiring) }
    /// Whether the load stopped on a failure (readable while it runs).
    var hasFailed: Bool { failed.load(ordering: .acquiring) }

    init(client: ChatClient) { self.client = client }

    func run(until stop: StopFlag) {
        do {
            while !stop.isRaised {
                let began = ContinuousClock.now
                try client.send("line \(sent)")
                while true {
                    let line = try client.readLine()
                    if let version = try ack(line, number: sent + 2) {
                        if ackVersions.last != version {
                            ackVersions.append(version)
                            switches.store(ackVersions.count - 1, ordering: .releasing)
                        }
                        break
                    }
                    try broadcast(line)
                }
                ackWaits.append((began, ContinuousClock.now - began))
                sent += 1
            }
        } catch {
            failure = "\(error)"
            failed.store(true, ordering: .releasing)
        }
    }

    /// Reads what is still on its way until every line `sent` counts (by sender) is here.
    func drain(expecting sent: [String: Int]) throws {
        let expected = sent.filter { $0.key != client.name }.values.reduce(0, +)
        while received.values.map(\.count).reduce(0, +) < expected {
            try broadcast(try client.readLine())
        }
    }

    /// The version an acknowledgement is in, or `nil` if `line` is not one.
    private func ack(_ line: String, number: Int) throws -> String? {
        guard let match = line.wholeMatch(of: /ok (\d+)( \(0\.2\.0\))?/) else { return nil }
        guard Int(match.1) == number else {
            throw ChatClient.Failure(description: "\(client.name): '\(line)' acknowledges the wrong line (\(number))")
        }
        return match.2 == nil ? "0.1.0" : "0.2.0"
    }

    private func broadcast(_ line: String) throws {
        if let match = line.wholeMatch(of: /(\w+): line (\d+)/) {
            received[String(match.1), default: []].append(Int(match.2)!)
            broadcastVersions.insert("0.1.0")
        } else if let match = line.wholeMatch(of: /\[(\w+)\] line (\d+)/) {
            received[String(match.1), default: []].append(Int(match.2)!)
            broadcastVersions.insert("0.2.0")
        } else {
            throw ChatClient.Failure(description: "\(client.name): unexpected line '\(line)'")
        }
    }
}
