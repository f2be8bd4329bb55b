//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

extension Term {
    /// The term as a log line shows it: Erlang syntax cut at 4 KiB, wide integers as
    /// `<integer of N bits>`, so a message or exit reason from a peer costs a bounded time
    /// and space to log.
    var logged: String { TermPrinter.printCompact(self, maximumBytes: 4096) }
}
