//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation

extension DeployedRelease {
    /// `bin/chat start`, then the port the acceptor listens on.
    func startChat() throws -> Int {
        try expectSuccess(["start"])
        guard let port = Int(try rpc("chat_acceptor", "port")) else {
            throw Failure(description: "chat_acceptor answered no port\nlog:\n\(log)")
        }
        return port
    }
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
        fd = try connectToLoopback(port: port)
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
