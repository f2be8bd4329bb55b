//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Glibc

/// The control protocol's framing, the same both ways: a 4-byte big-endian length, then that
/// many bytes of External Term Format (`term_to_binary`). A frame is at most
/// ``maximumFrameSize`` bytes, and a request for a command that takes no large argument at
/// most ``smallFrameSize`` (the node reads the command's name before the rest); a longer
/// length, an empty frame or bytes that do not decode (with ``limits``) end the connection.
public enum ControlFrame {
    /// 16 MiB.
    public static let maximumFrameSize = 16 << 20
    /// 64 KiB: the limit of a request whose command does not take terms or an environment
    /// (``ControlCommand/takesLargeArguments``), or whose command cannot be read.
    public static let smallFrameSize = 64 << 10
    /// How deep and how large a decoded term may be. Integers are bounded to 64 Ki bits
    /// (about 20,000 digits): a request may be printed in a log or an error message, and
    /// printing an integer in decimal takes time quadratic in its width.
    public static let limits = ExternalTermFormat.DecodingLimits(
        maximumDepth: 512,
        maximumDecompressedSize: maximumFrameSize,
        maximumIntegerBits: 1 << 16
    )

    /// The command of a request frame (`{Command, Args}` as `term_to_binary` writes it) read
    /// from its first bytes, or `nil` if they do not start a request.
    static func command(inPrefix bytes: ArraySlice<UInt8>) -> String? {
        var index = bytes.startIndex
        func next() -> UInt8? {
            guard index < bytes.endIndex else { return nil }
            defer { index += 1 }
            return bytes[index]
        }
        guard next() == ExternalTermFormat.versionByte, next() == 104, next() == 2, let tag = next() else { return nil }
        let length: Int
        switch tag {
        case 115, 119:  // SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT
            guard let byte = next() else { return nil }
            length = Int(byte)
        case 100, 118:  // ATOM_EXT, ATOM_UTF8_EXT
            guard let high = next(), let low = next() else { return nil }
            length = Int(high) << 8 | Int(low)
        default:
            return nil
        }
        guard length <= 255, bytes.endIndex - index >= length else { return nil }
        return String(validating: bytes[index..<(index + length)], as: UTF8.self)
    }

    /// How many bytes of a frame to read before choosing its limit: a request's command.
    static let prefixSize = 3 + 3 + 255

    /// The frame of `term`.
    public static func encode(_ term: Term) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0, 0]
        ExternalTermFormat.encode(term, into: &bytes)
        let length = UInt32(bytes.count - 4)
        bytes[0] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
        return bytes
    }
}

/// Why a frame could not be read or written.
enum ChannelError: Error, Equatable, CustomStringConvertible {
    /// The other end closed the connection between frames.
    case closed
    /// The deadline passed.
    case timeout
    /// The length prefix is over the limit.
    case tooLarge(Int)
    /// The length prefix is over the limit of the request's command (`nil`: not a request).
    case tooLargeForCommand(String?, size: Int, limit: Int)
    /// A zero length.
    case empty
    /// The connection ended inside a frame.
    case truncated
    /// The payload is not a term.
    case malformed(String)
    /// A system call failed.
    case system(Int32)

    var description: String {
        switch self {
        case .closed: "the connection was closed"
        case .timeout: "timed out"
        case .tooLarge(let size):
            "a frame of \(size) bytes is over the limit of \(ControlFrame.maximumFrameSize) bytes"
        case .tooLargeForCommand(let command?, let size, let limit):
            "a frame of \(size) bytes is over the limit of \(limit) bytes for '\(command)'"
        case .tooLargeForCommand(nil, let size, let limit):
            "a frame of \(size) bytes that is not a request is over the limit of \(limit) bytes"
        case .empty: "an empty frame"
        case .truncated: "the connection ended inside a frame"
        case .malformed(let reason): "the frame is not a term in External Term Format: \(reason)"
        case .system(let code): Posix.text(errno: code)
        }
    }
}

/// One end of a control connection: a connected stream socket that it owns.
final class ControlChannel: Sendable {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Reads one frame. The first byte may take until `waitUntil` (`.never`: as long as it
    /// takes); the rest of the frame must arrive before `frameDeadline` milliseconds after
    /// the first byte, or before `waitUntil` if that is earlier. With `limit`, a frame is
    /// refused when it is longer than `limit` gives for its request's command (``ControlFrame/command(inPrefix:)``),
    /// before the rest of it is read.
    func read(
        waitUntil: Deadline,
        frameMilliseconds: Int = 10_000,
        limit: ((String?) -> Int)? = nil
    ) throws(ChannelError) -> Term {
        var header = [UInt8](repeating: 0, count: 4)
        if try fill(&header, from: 0, upTo: 1, until: waitUntil) == 0 { throw .closed }
        let frameDeadline = min(waitUntil, Deadline.after(.milliseconds(frameMilliseconds)))
        guard try fill(&header, from: 1, upTo: 4, until: frameDeadline) == 4 else { throw .truncated }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length > 0 else { throw .empty }
        guard length <= ControlFrame.maximumFrameSize else { throw .tooLarge(length) }
        var payload = [UInt8](repeating: 0, count: length)
        if let limit {
            let prefix = min(length, ControlFrame.prefixSize)
            guard try fill(&payload, from: 0, upTo: prefix, until: frameDeadline) == prefix else { throw .truncated }
            let command = ControlFrame.command(inPrefix: payload[..<prefix])
            let allowed = limit(command)
            guard length <= allowed else { throw .tooLargeForCommand(command, size: length, limit: allowed) }
            guard try fill(&payload, from: prefix, upTo: length, until: frameDeadline) == length else {
                throw .truncated
            }
        } else {
            guard try fill(&payload, from: 0, upTo: length, until: frameDeadline) == length else { throw .truncated }
        }
        do {
            return try ExternalTermFormat.decode(payload, limits: ControlFrame.limits)
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// Reads into `buffer[offset..<end]` until it is full, the peer closes, or `deadline`;
    /// returns how many bytes of the buffer are filled.
    private func fill(
        _ buffer: inout [UInt8],
        from offset: Int,
        upTo end: Int,
        until deadline: Deadline
    ) throws(ChannelError) -> Int {
        var filled = offset
        while filled < end {
            try wait(.readable, until: deadline)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, end - filled, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return filled }
                throw .system(errno)
            }
            if count == 0 { return filled }
            filled += count
        }
        return filled
    }

    /// Waits until the peer has sent something (or closed), or throws `timeout` at `deadline`.
    func waitUntilReadable(_ deadline: Deadline) throws(ChannelError) { try wait(.readable, until: deadline) }

    enum Readiness { case readable, writable }

    /// Waits until the socket is readable (or writable), or throws `timeout`.
    private func wait(_ readiness: Readiness, until deadline: Deadline) throws(ChannelError) {
        while true {
            var entry = pollfd(fd: fd, events: Int16(readiness == .readable ? POLLIN : POLLOUT), revents: 0)
            let remaining = deadline.remaining
            let milliseconds: Int32 = remaining < 0 ? -1 : Int32(min((remaining + 999_999) / 1_000_000, 86_400_000))
            let result = poll(&entry, 1, milliseconds)
            if result > 0 { return }
            if result == 0 {
                if deadline.hasPassed { throw .timeout }
                continue
            }
            if errno != EINTR { throw .system(errno) }
        }
    }

    /// Writes one frame.
    func write(_ term: Term, until deadline: Deadline = .after(.seconds(10))) throws(ChannelError) {
        let bytes = ControlFrame.encode(term)
        try write(bytes: bytes, until: deadline)
    }

    /// Writes raw bytes (tests of malformed input write garbage this way).
    func write(bytes: [UInt8], until deadline: Deadline) throws(ChannelError) {
        var offset = 0
        while offset < bytes.count {
            try wait(.writable, until: deadline)
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .system(errno)
            }
            offset += sent
        }
    }

    /// Waits until the other end closes the connection (bytes it still sends are dropped);
    /// `false` if `deadline` passed first.
    func waitForClose(until deadline: Deadline) -> Bool {
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            do {
                try wait(.readable, until: deadline)
            } catch {
                return false
            }
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) { return true }
        }
    }
}
