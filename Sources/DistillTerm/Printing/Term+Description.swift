//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Term: CustomStringConvertible {
    /// The term on one line, as Erlang's `~0tp` prints it: `{kv,"0.1.0",[a,b]}`.
    public var description: String { TermPrinter.printCompact(self) }
}
