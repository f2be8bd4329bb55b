//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Foundation

/// A raw client of a node's control socket, for input no well-behaved client sends.
final class ControlSocket {
    let fd: Int32

    /// Connects to `path`; reads time out after `timeout`.
    init(_ path: String, timeout: Duration = .seconds(10)) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestRelease.Failure(description: "connect \(path): \(reason)")
        }
        let seconds = timeout.components.seconds
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// `bytes` behind their 4-byte length.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + payload
    }

    /// The frame of `{Command, Arguments}`.
    static func request(_ command: String, _ arguments: [Term]) -> [UInt8] {
        frame(ExternalTermFormat.encode(.tuple([.atom(command), .list(arguments)])))
    }

    /// Sends all of `bytes`; `false` if the node closed the connection first.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    enum Outcome: Equatable {
        /// A reply frame.
        case reply(Term)
        /// The node closed the connection without a reply.
        case closed
        /// Nothing within the read timeout.
        case silent
    }

    /// The next reply, or how the node ended the connection.
    func receive() -> Outcome {
        guard let header = read(4) else { return lastReadTimedOut ? .silent : .closed }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard let payload = read(length), let term = try? ExternalTermFormat.decode(payload) else {
            return lastReadTimedOut ? .silent : .closed
        }
        return .reply(term)
    }

    /// Sends `request` and returns the outcome.
    func call(_ command: String, _ arguments: [Term]) -> Outcome {
        send(Self.request(command, arguments))
        return receive()
    }

    private var lastReadTimedOut = false

    private func read(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 {
                lastReadTimedOut = got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                return nil
            }
            filled += got
        }
        return bytes
    }
}

extension Term {
    /// `{error, {Code, <<"Message">>}}`.
    static func controlError(_ code: String, _ message: String) -> Term {
        .tuple([.atom("error"), .tuple([.atom(code), .binary(Array(message.utf8))])])
    }
}
