//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime

// What a client reads: the one file that differs between chat 0.1.0 and 0.2.0
// (versions/0.2.0/Sources/Chat/Wire.swift). Each function belongs to the server that
// calls it, so a change here is a change of that server's code, and the generated appup
// updates it.

extension ChatRegistry {
    /// What the other clients read when `from` says `text`: `alice: text`.
    static func line(from: String, text: [UInt8]) -> [UInt8] {
        Array("\(from): ".utf8) + text + [10]
    }
}

extension ChatSession {
    /// The acknowledgement of line `count`: `ok N`.
    static func ack(_ count: Int) -> [UInt8] { Array("ok \(count)\n".utf8) }
}
