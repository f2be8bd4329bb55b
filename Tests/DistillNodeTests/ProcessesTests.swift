//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// Processes of a booted release, driven through `bin/REL rpc | cast | send`: calls, casts,
/// timers, registered names, supervisors under each strategy, TCP through the runtime.
struct ProcessesTests {
    @Test func callsCastsSendsAndTimers() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        #expect(try release.rpc("lab", "{echo, {42, <<\"bin\">>, [a, \"str\"]}}") == "{42,<<\"bin\">>,[a,\"str\"]}")
        #expect(try release.expectSuccess(["cast", "lab", "{set, a, 1}"]) == "ok")
        #expect(try release.rpc("lab", "{get, a}") == "1")
        #expect(try release.expectSuccess(["send", "lab", "{set, b, 2}"]) == "ok")
        #expect(try release.rpc("lab", "{get, b}") == "2")
        #expect(try release.rpc("lab", "{send_after, 50, tick}") == "ok")
        #expect(try release.eventually { try release.rpc("lab", "timers") == "[tick]" })
        // The rpc term ends with or without its '.', as bin/kv rpc kv '{get, a}.' is natural to type.
        #expect(try release.rpc("lab", "{echo, done}.") == "done")
    }

    @Test func registeredNamesAndErrors() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        #expect(try release.rpc("lab", "{whereis, echo}").hasPrefix("<0."))
        #expect(try release.rpc("lab", "{whereis, nobody}") == "undefined")

        let unknown = try release.run(["rpc", "nobody", "hi"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "lab: error: no process is registered as 'nobody'\n")

        let crash = try release.run(["rpc", "o1", "crash"])
        #expect(crash.status == 1)
        #expect(crash.stderr.hasPrefix("lab: error: o1 exited while handling the call: {error,"))

        let badTerm = try release.run(["rpc", "lab", "{get, a"])
        #expect(badTerm.status == 2)
        #expect(badTerm.stderr.hasPrefix("lab: error: not a term: "))

        let usage = try release.run(["rpc", "lab"])
        #expect(usage.status == 2)
        #expect(usage.stderr == "lab: error: usage: rpc NAME TERM\n")

        let json = try release.run(["rpc", "nobody", "hi", "--json"])
        #expect(json.status == 1)
        #expect(
            json.stdout
                == "{\"ok\":false,\"error\":{\"code\":\"noproc\",\"message\":\"no process is registered as 'nobody'\"}}\n"
        )
        #expect(
            try release.expectSuccess(["rpc", "lab", "{echo, #{a => [1, 2.5]}}", "--json"])
                == "{\"ok\":true,\"result\":{\"a\":[1,2.5]}}"
        )
    }

    @Test func aCallThatOutlastsItsTimeoutExits4() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let slow = try release.run(["rpc", "lab", "{sleep, 1500}", "--timeout", "200"])
        #expect(slow.status == 4, "\(slow)")
        #expect(slow.stderr.contains("timed out") || slow.stderr.contains("did not answer"))
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    /// Whether `name`'s pid changed: `rpc NAME pid` before and after.
    private func pids(_ release: TestRelease, _ names: [String]) throws -> [String: String] {
        var pids: [String: String] = [:]
        for name in names { pids[name] = try release.rpc(name, "pid") }
        return pids
    }

    static let strategies: [(prefix: String, killed: String, restarted: Set<String>)] = [
        ("o", "o2", ["o2"]),
        ("a", "a2", ["a1", "a2", "a3"]),
        ("r", "r2", ["r2", "r3"]),
    ]

    @Test(arguments: 0..<3)
    func supervisorsRestartByStrategy(_ index: Int) throws {
        let (prefix, killed, restarted) = Self.strategies[index]
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let names = (1...3).map { "\(prefix)\($0)" }
        let before = try pids(release, names)
        #expect(try release.rpc("lab", "{kill, \(killed)}") == "ok")
        var after: [String: String] = [:]
        #expect(
            release.eventually {
                after = (try? pids(release, names)) ?? [:]
                return after.count == 3 && after[killed] != before[killed]
            }
        )
        for name in names {
            if restarted.contains(name) {
                #expect(after[name] != before[name], "\(name) was not restarted")
            } else {
                #expect(after[name] == before[name], "\(name) was restarted")
            }
        }
    }

    @Test func exhaustedIntensityRestartsTheSupervisorItself() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let supervisor = try release.rpc("lab", "{whereis, sup_o}")
        // At most 2 restarts in 10 s: the third death stops sup_o; LabSupervisor starts it again.
        for round in 1...3 {
            let before = try release.rpc("o1", "pid")
            #expect(try release.rpc("lab", "{kill, o1}") == "ok")
            #expect(
                release.eventually { (try? release.rpc("o1", "pid")).map { $0 != before } ?? false },
                "round \(round)"
            )
        }
        #expect(try release.eventually { try release.rpc("lab", "{whereis, sup_o}") != supervisor })
        #expect(release.log.contains("supervisor reached maximum restart intensity"))
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    @Test func tcpEchoThroughTheRuntime() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let port = try #require(Int(try release.rpc("echo", "port")))
        let socket = try TCPClient(port: port)
        for message in ["hello", "through the runtime", String(repeating: "x", count: 100_000)] {
            try socket.send(Array(message.utf8))
            #expect(try socket.receive(count: message.utf8.count) == Array(message.utf8))
        }
    }
}

/// A blocking TCP client to 127.0.0.1 (Glibc sockets; Foundation has none on Linux).
final class TCPClient {
    let fd: Int32

    init(port: Int) throws { fd = try connectToLoopback(port: port) }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, 0) }
            guard sent > 0 else { throw TestRelease.Failure(description: "send failed") }
            offset += sent
        }
    }

    func receive(count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < count {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { throw TestRelease.Failure(description: "recv: \(got)") }
            bytes += chunk[..<got]
        }
        return bytes
    }
}
