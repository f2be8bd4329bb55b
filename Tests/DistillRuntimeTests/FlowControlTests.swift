//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import DistillRuntime

/// The counts behind a socket's flow control, without sockets.
struct FlowControlTests {
    let options = TCPOptions(highWatermark: 100, lowWatermark: 40, readAheadMessages: 4, readAheadBytes: 1000)

    @Test func aSocketIsBusyAboveTheHighMarkUntilItDrainsToTheLowMark() {
        var flow = FlowControl(options: options)
        flow.queue(100)
        #expect(!flow.isBusy)
        flow.queue(1)
        #expect(flow.isBusy)
        let wakes = [flow.written(60), flow.written(1), flow.written(40)]
        #expect(wakes == [false, true, false])
        #expect(!flow.isBusy && flow.queued == 0)
    }

    @Test func readingPausesAtEitherBoundAndResumesAtHalfOfBoth() {
        var flow = FlowControl(options: options)
        let pauses = (0..<5).map { _ in flow.delivered(10) }
        #expect(pauses == [false, false, false, true, false])
        let resumes = (0..<3).map { _ in flow.taken(10) }
        #expect(resumes == [false, false, true])
        #expect(!flow.isReadingPaused)

        var bytes = FlowControl(options: options)
        let events = [bytes.delivered(1000), bytes.taken(400), bytes.delivered(1), bytes.taken(101)]
        #expect(events == [true, false, false, true])
    }

    @Test func optionsAreMadeConsistent() {
        let odd = TCPOptions(highWatermark: -5, lowWatermark: 10, readAheadMessages: 0, readAheadBytes: 0)
        #expect(odd.highWatermark == 0 && odd.lowWatermark == 0)
        #expect(odd.readAheadMessages == 1 && odd.readAheadBytes == 1)
    }
}
