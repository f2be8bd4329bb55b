//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// A connection to 127.0.0.1 that could not be made.
public struct LoopbackError: Error, CustomStringConvertible {
    public var description: String
}

/// A blocking TCP connection to 127.0.0.1:`port` (Glibc sockets; Foundation has none on
/// Linux) whose reads wait at most `readTimeout` seconds: its file descriptor, which the caller
/// closes.
public func connectToLoopback(port: Int, readTimeout: Int = 10) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoopbackError(description: "socket: \(String(cString: strerror(errno)))") }
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
        let reason = String(cString: strerror(errno))
        close(fd)
        throw LoopbackError(description: "cannot connect to 127.0.0.1:\(port): \(reason)")
    }
    var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return fd
}
