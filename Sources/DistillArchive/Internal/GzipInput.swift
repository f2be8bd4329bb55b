//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CZlib
import Glibc

/// Inflates a gzip file read from a descriptor, member after member (RFC 1952 allows
/// several concatenated members, as `cat a.gz b.gz` makes), checking each member's CRC-32
/// and length trailer. Data is produced into a fixed buffer that the caller consumes.
struct GzipInput: ~Copyable {
    private let fd: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var state = State.inMember
    private var bytesRead: UInt64 = 0
    private var sawMemberEnd = false

    private enum State { case inMember, betweenMembers, finished }

    static let inputCapacity = 128 << 10
    static let outputCapacity = 256 << 10

    init(fd: Int32) throws(Failure) {
        self.fd = fd
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: Self.inputCapacity, alignment: 16)
        output = .allocate(byteCount: Self.outputCapacity, alignment: 16)
        // 16 + 15: a gzip wrapper (header, CRC-32 and length checked by zlib), 32 KiB window.
        let status = inflateInit2_(stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        if status != Z_OK {
            input.deallocate()
            output.deallocate()
            stream.deallocate()
            throw Failure(.io, "cannot initialise zlib (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        output.deallocate()
    }

    /// The decompressed bytes not yet consumed.
    var available: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output)[start..<end])
    }

    /// Marks `count` available bytes as consumed.
    mutating func consume(_ count: Int) {
        start += count
    }

    /// Makes more bytes available once all available ones are consumed; returns false at
    /// the end of the last member (clean end of the file).
    mutating func refill() throws(Failure) -> Bool {
        precondition(start == end, "refill with unconsumed data")
        start = 0
        end = 0
        while end < Self.outputCapacity {
            if state == .finished { break }
            if stream.pointee.avail_in == 0 {
                let count = try readInput()
                if count == 0 {
                    if state == .betweenMembers {
                        state = .finished
                        break
                    }
                    if bytesRead == 0 { throw Failure(.notGzip, "file is empty, not a gzip file") }
                    throw Failure(.truncated, "compressed data ends early (truncated gzip stream)")
                }
            }
            if state == .betweenMembers {
                // Another member follows: zlib checks its header magic.
                inflateReset(stream)
                state = .inMember
            }
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self) + end
            stream.pointee.avail_out = uInt(Self.outputCapacity - end)
            let status = inflate(stream, Z_NO_FLUSH)
            end = Self.outputCapacity - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                state = .betweenMembers
                sawMemberEnd = true
            case Z_DATA_ERROR:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                if reason == "incorrect header check" || reason == "unknown compression method"
                    || reason == "unknown header flags set"
                {
                    if !sawMemberEnd {
                        throw Failure(.notGzip, "not a gzip file")
                    }
                    throw Failure(.trailingData, "data after the end of the gzip stream is not a gzip member")
                }
                throw Failure(.corrupt, "compressed data is corrupt (\(reason))")
            case Z_MEM_ERROR:
                throw Failure(.io, "zlib is out of memory")
            default:
                throw Failure(.corrupt, "compressed data is corrupt (zlib status \(status))")
            }
        }
        return end > 0
    }

    private mutating func readInput() throws(Failure) -> Int {
        while true {
            let count = read(fd, input.baseAddress, Self.inputCapacity)
            if count >= 0 {
                bytesRead += UInt64(count)
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(count)
                return count
            }
            if errno != EINTR { throw Failure.system("cannot read the archive", errno: errno) }
        }
    }
}
