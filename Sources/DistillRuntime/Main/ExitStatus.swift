//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// `distill-run`'s (and so `bin/REL`'s) exit statuses: one table for every command.
///
/// | status | meaning |
/// | ---: | --- |
/// | 0 | success |
/// | 1 | the node answered with an error (an error reply, an exception in `rpc`), or stopped because an application failed |
/// | 2 | usage: a bad command line, a term that does not parse, an unknown command |
/// | 3 | the node is not running (no control socket, or nobody listens on it) |
/// | 4 | timeout: no reply in time, `start` not ready in time, `stop` not finished in time |
/// | 5 | refused: the control socket belongs to another user (permissions, or the node checked the peer's uid) |
/// | 6 | boot failed: the release's files are wrong or an application did not start |
/// | 7 | already running (`start`, `foreground`) |
/// | 70 | the launcher could not load `libDistillRuntime.so` |
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
    case notRunning = 3
    case timeout = 4
    case refused = 5
    case bootFailed = 6
    case alreadyRunning = 7
    case launcher = 70
}
