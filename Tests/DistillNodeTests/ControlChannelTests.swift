//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// The control socket: permissions, peer credentials, and input that is not a request.
struct ControlChannelTests {
    @Test func theSocketIsTheOwnersAlone() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let directory = try FileManager.default.attributesOfItem(atPath: release.root + "/var/run")
        #expect((directory[.posixPermissions] as? Int) == 0o700)
        let socket = try FileManager.default.attributesOfItem(atPath: release.socket)
        #expect((socket[.posixPermissions] as? Int) == 0o600)
        #expect((socket[.type] as? FileAttributeType) == .typeSocket)
    }

    static let hasNobody = getpwnam("nobody") != nil && getuid() == 0
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    /// Runs the release's launcher as `nobody`.
    private func asNobody(_ release: TestRelease, _ arguments: [String]) throws -> CommandResult {
        try runCommand(
            "/usr/bin/setpriv",
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", release.launcher] + arguments
                + ["--root", release.root, "--name", "lab"]
        )
    }

    @Test(.enabled(if: hasNobody, "needs root, the nobody user and setpriv"))
    func anotherUserCannotReachTheSocket() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let result = try asNobody(release, ["ping"])
        #expect(result.status == 5, "\(result)")
        #expect(result.stderr.contains("permission denied on \(release.socket): the node belongs to another user"))
    }

    @Test(.enabled(if: hasNobody, "needs root, the nobody user and setpriv"))
    func anotherUserIsRefusedByPeerCredentialsEvenWithOpenPermissions() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        // A misconfigured directory: the node's uid check still refuses the stranger.
        chmod(release.root + "/var/run", 0o755)
        chmod(release.socket, 0o666)
        let result = try asNobody(release, ["ping"])
        #expect(result.status == 5, "\(result)")
        let nobody = getpwnam("nobody")!.pointee.pw_uid
        #expect(result.stderr == "lab: error: the node runs as uid 0; uid \(nobody) may not control it\n")
        #expect(release.log.contains("control connection refused: not the node's user"))
        #expect(release.log.contains("peer.uid=\(nobody)"))
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    /// A raw connection to the node's socket.
    private func connect(_ release: TestRelease) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(release.socket.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw TestRelease.Failure(description: "connect: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the node closes the connection; returns what it sent.
    private func readToEnd(_ fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got == 0 { return bytes }
            if got < 0 { return errno == ECONNRESET ? bytes : nil }
            bytes += chunk[..<got]
        }
    }

    private func frame(_ term: Term) -> [UInt8] {
        let payload = ExternalTermFormat.encode(term)
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + payload
    }

    static let malformed: [(name: String, bytes: [UInt8], logged: String)] = [
        ("garbage", Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), "is over the limit"),
        ("huge length prefix", [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3], "a frame of 4294967295 bytes is over the limit of 16777216 bytes"),
        ("empty frame", [0, 0, 0, 0], "an empty frame"),
        ("not ETF", [0, 0, 0, 3, 1, 2, 3], "the frame is not a term in External Term Format"),
        ("truncated ETF", [0, 0, 0, 3, 131, 104, 2], "the frame is not a term in External Term Format"),
        ("cut short", [0, 0, 0, 10, 131, 104], "the connection ended inside a frame"),
    ]

    @Test(arguments: 0..<6)
    func malformedInputClosesTheConnectionAndTheNodeCarriesOn(_ index: Int) throws {
        let (name, bytes, logged) = Self.malformed[index]
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let fd = try connect(release)
        defer { close(fd) }
        send(fd, bytes)
        if name == "cut short" { shutdown(fd, Int32(SHUT_WR)) }
        #expect(readToEnd(fd) == [], "\(name): the node should close the connection without a reply")
        #expect(release.eventually(.seconds(5)) { release.log.contains(logged) }, "\(name): \(release.log)")
        #expect(release.log.contains("control connection closed: malformed message"))
        #expect(try release.expectSuccess(["ping"]) == "pong")
        #expect(try release.rpc("lab", "{echo, still_here}") == "still_here")
    }

    @Test func aDeeplyNestedTermIsRefused() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let fd = try connect(release)
        defer { close(fd) }
        // 100,000 nested one-element lists: over the decoder's depth limit.
        var payload: [UInt8] = [131]
        for _ in 0..<100_000 { payload += [108, 0, 0, 0, 1] }
        payload += [106, 106]
        let length = UInt32(payload.count)
        send(fd, [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload)
        #expect(readToEnd(fd) == [])
        #expect(release.eventually(.seconds(5)) { release.log.contains("control connection closed: malformed message") })
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    @Test func aTermThatIsNotARequestGetsAnErrorAndTheConnectionStays() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let fd = try connect(release)
        defer { close(fd) }
        send(fd, frame(.atom("hello")))
        send(fd, frame(.tuple([.atom("ping"), .list([])])))
        shutdown(fd, Int32(SHUT_WR))
        let bytes = try #require(readToEnd(fd))
        var replies: [Term] = []
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
            replies.append(try ExternalTermFormat.decode(Array(bytes[(offset + 4)..<(offset + 4 + length)])))
            offset += 4 + length
        }
        #expect(
            replies == [
                .tuple([
                    .atom("error"),
                    .tuple([.atom("bad_request"), .binary("a request is {Command, [Argument]}, got hello")]),
                ]),
                .tuple([.atom("ok"), .atom("pong")]),
            ]
        )
    }

    @Test func anUnknownCommandSuggestsTheNearestOne() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let result = try release.run(["pnig"])
        #expect(result.status == 2)
        #expect(result.stderr == "lab: error: unknown command 'pnig'; did you mean 'ping'?\n")
        // bin/lab help prints the script's usage; the node's own list comes from the launcher.
        let help = try runCommand(release.launcher, ["help", "--root", release.root])
        #expect(help.status == 0)
        #expect(help.stdout.contains("{ping,<<\"check that the node answers\">>}"))
    }
}
