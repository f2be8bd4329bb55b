//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One socket's flow control, as counts: the bytes its owner has sent that the kernel has not
/// taken yet (the write side), and the data delivered to its owner's mailbox that the owner has
/// not taken yet (the read side). Pure: ``TCPService`` feeds it events and does what it answers.
///
/// - **Writes** have two marks (gen_tcp's `high_watermark` and `low_watermark`): once the
///   queue holds more than the high mark the socket is *busy*, and stays busy until the
///   queue drains to the low mark. A send to a busy socket waits (see ``TCP/send(_:_:)``).
/// - **Reads** of an `{active, true}` socket pause once the owner's mailbox holds
///   ``TCPOptions/readAheadMessages`` of its data messages or ``TCPOptions/readAheadBytes``
///   of its data, and resume when the owner has taken it down to half of both.
struct FlowControl: Sendable {
    var options: TCPOptions
    /// Bytes sent and not yet written to the kernel.
    private(set) var queued = 0
    /// Above the high mark, and not yet back to the low mark.
    private(set) var isBusy = false
    /// Data messages (and their bytes) in the owner's mailbox.
    private(set) var undeliveredMessages = 0
    private(set) var undeliveredBytes = 0
    /// Reading from the peer is paused until the owner catches up.
    private(set) var isReadingPaused = false

    init(options: TCPOptions) { self.options = options }

    // MARK: - Writes

    /// The owner queued `bytes` more for the peer.
    mutating func queue(_ bytes: Int) {
        queued += bytes
        if queued > options.highWatermark { isBusy = true }
    }

    /// The kernel took `bytes` (or the connection dropped them); returns whether the socket
    /// just stopped being busy (a waiting sender may go on).
    mutating func written(_ bytes: Int) -> Bool {
        queued = max(0, queued - bytes)
        guard isBusy, queued <= options.lowWatermark else { return false }
        isBusy = false
        return true
    }

    // MARK: - Reads

    /// A data message of `bytes` went to the owner; returns whether reading must pause now.
    mutating func delivered(_ bytes: Int) -> Bool {
        undeliveredMessages += 1
        undeliveredBytes += bytes
        guard !isReadingPaused,
            undeliveredMessages >= options.readAheadMessages || undeliveredBytes >= options.readAheadBytes
        else { return false }
        isReadingPaused = true
        return true
    }

    /// The owner took a data message of `bytes`; returns whether reading may resume now.
    mutating func taken(_ bytes: Int) -> Bool {
        undeliveredMessages = max(0, undeliveredMessages - 1)
        undeliveredBytes = max(0, undeliveredBytes - bytes)
        guard isReadingPaused, undeliveredMessages <= options.readAheadMessages / 2,
            undeliveredBytes <= options.readAheadBytes / 2
        else { return false }
        isReadingPaused = false
        return true
    }
}

/// A socket's flow control settings (gen_tcp's `high_watermark`, `low_watermark` and
/// `send_timeout`, and how far reading may run ahead of the owner). The defaults bound what
/// one peer can make the node hold to about a quarter of a megabyte each way.
public struct TCPOptions: Hashable, Sendable {
    /// Queued outbound bytes above which the socket is busy: a send waits. Default 64 KiB.
    public var highWatermark: Int
    /// A busy socket's queue must drain to this many bytes before a send goes on. Default 32 KiB.
    public var lowWatermark: Int
    /// How long a send waits for a busy socket before it gives up and closes the socket
    /// (gen_tcp's `send_timeout` with `send_timeout_close`). Default 1 second.
    public var sendTimeout: Timeout
    /// Data messages of an `{active, true}` socket in its owner's mailbox at which the runtime
    /// stops reading from the peer, until the owner has taken half of them. Default 64.
    public var readAheadMessages: Int
    /// The same bound in bytes of data. Default 256 KiB.
    public var readAheadBytes: Int

    public init(
        highWatermark: Int = 64 * 1024,
        lowWatermark: Int = 32 * 1024,
        sendTimeout: Timeout = .seconds(1),
        readAheadMessages: Int = 64,
        readAheadBytes: Int = 256 * 1024
    ) {
        self.highWatermark = max(0, highWatermark)
        self.lowWatermark = min(max(0, lowWatermark), self.highWatermark)
        self.sendTimeout = sendTimeout
        self.readAheadMessages = max(1, readAheadMessages)
        self.readAheadBytes = max(1, readAheadBytes)
    }
}
