//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

/// Which way a relup entry runs.
enum Direction: Sendable, Hashable {
    /// From a base release to the new one.
    case up
    /// From the new release back to a base release.
    case down
}

/// Where a script came from, for messages: an appup entry, an application that comes or
/// goes, the runtime change.
struct ScriptSource: Sendable, Hashable {
    /// The application whose appup (or arrival, departure) made the script.
    var application: String?
    /// That application's version.
    var version: String?
    /// The appup, as the caller named it.
    var file: String?
    /// The script in words: `foo 1.1's appup (upgrading from 1.0)`.
    var summary: String
}

/// One instruction of a script under translation, in the full form `systools_rc` works
/// on, with where it came from.
struct Step: Sendable {
    var instruction: ExpandedAppupInstruction
    /// Index of the script's ``ScriptSource``.
    var source: Int
    /// The instruction as written (or the application instruction it was expanded from).
    var written: AppupInstruction

    init(_ instruction: ExpandedAppupInstruction, source: Int, written: AppupInstruction) {
        self.instruction = instruction
        self.source = source
        self.written = written
    }

    init(written: AppupInstruction, source: Int) {
        self.init(written.expanded, source: source, written: written)
    }

    /// The low-level instruction, if this is one.
    var lowLevel: RelupInstruction? {
        if case .lowLevel(let instruction) = instruction { return instruction }
        return nil
    }
}
