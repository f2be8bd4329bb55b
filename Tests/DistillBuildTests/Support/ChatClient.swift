//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation

/// A chat release deployed as a first install is (`tar -xzf` of its tarball into an empty
/// directory) and driven through its `bin/chat`.
final class ChatNode: @unchecked Sendable {
    /// How a `bin/chat` command ended.
    struct Outcome: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// A command that failed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: TemporaryDirectory
    var root: String { directory.path }
    var script: String { root + "/bin/chat" }
    var log: String { (try? String(contentsOfFile: root + "/var/log/chat.log", encoding: .utf8)) ?? "(no log)" }

    init(deploying tarball: String) throws {
        directory = try TemporaryDirectory(prefix: "distill-chat")
        try runProcess("/usr/bin/env", ["tar", "-xzf", tarball, "-C", directory.path])
    }

    /// Places `tarball` where `bin/chat upgrade VSN` looks for it: `releases/VSN/chat.tar.gz`.
    func place(_ tarball: String, version: String) throws {
        let target = root + "/releases/\(version)"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: tarball, toPath: target + "/chat.tar.gz")
    }

    /// Runs `bin/chat ARGUMENTS` to its end. Its outputs go to files, so a daemon it leaves
    /// behind cannot hold a pipe open.
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) throws -> Outcome {
        let base = directory.url.appendingPathComponent("cmd-\(UUID().uuidString)")
        let output = base.appendingPathExtension("out")
        let errors = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "RELEASE_ROOT")
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw Failure(description: "bin/chat \(arguments.joined(separator: " ")) timed out after \(timeout)")
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        )
    }

    /// Runs `bin/chat ARGUMENTS` and returns its standard output without the final line
    /// break; throws (with the node's log) unless it succeeds.
    @discardableResult
    func expectSuccess(_ arguments: [String]) throws -> String {
        let outcome = try run(arguments)
        guard outcome.status == 0 else {
            throw Failure(description: "bin/chat \(arguments.joined(separator: " ")): \(outcome)\nlog:\n\(log)")
        }
        return outcome.stdout.hasSuffix("\n") ? String(outcome.stdout.dropLast()) : outcome.stdout
    }

    func rpc(_ process: String, _ term: String) throws -> String { try expectSuccess(["rpc", process, term]) }

    /// `bin/chat start`, then the port the acceptor listens on.
    func start() throws -> Int {
        try expectSuccess(["start"])
        guard let port = Int(try rpc("chat_acceptor", "port")) else {
            throw Failure(description: "chat_acceptor answered no port\nlog:\n\(log)")
        }
        return port
    }

    func stopIfRunning() { _ = try? run(["stop", "--timeout", "20000"]) }
}

/// One chat connection from the test: writes lines, reads lines (a read waits at most 10 s).
final class ChatClient: @unchecked Sendable {
    /// Something the connection did that the test did not expect.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let name: String
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, name: String) throws {
        self.name = name
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "\(name): cannot connect to 127.0.0.1:\(port)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Writes `bytes` whole.
    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "\(name): write failed (errno \(errno))") }
            offset += written
        }
    }

    /// Writes `line` and a line break.
    func send(_ line: String) throws { try write(Array((line + "\n").utf8)) }

    /// The next line, without its line break.
    func readLine() throws -> String {
        while true {
            if let end = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeSubrange(...end)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else {
                let what = count == 0 ? "the server closed the connection" : "read failed or timed out (errno \(errno))"
                throw Failure(description: "\(name): \(what)")
            }
            buffer += chunk[..<count]
        }
    }

    /// Closes the connection.
    func shutdown() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
}
