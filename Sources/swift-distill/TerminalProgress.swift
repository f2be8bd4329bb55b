//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import Foundation
import Synchronization

/// Shows a build's progress on standard error:
/// - on a terminal, one line redrawn in place: `[2/8] building kv (KV)  12.3s`;
/// - elsewhere (a CI log), one plain line per step;
/// - with `--verbose`, the compiler's output as it comes, under a line per step.
///
/// Warnings are printed as they come, on lines of their own.
final class TerminalProgress: BuildProgress {
    private struct State {
        var step: BuildStep?
        var stepStarted = ContinuousClock.now
        var lineShown = false
        var finished = false
    }

    private let verbose: Bool
    private let interactive: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    init(verbose: Bool, interactive: Bool = isatty(2) == 1) {
        self.verbose = verbose
        self.interactive = interactive && !verbose
        guard self.interactive else { return }
        // Redraws the line every 200 ms (the elapsed time moves) until the build is over.
        Thread.detachNewThread { [self] in
            while !state.withLock({ $0.finished }) {
                Thread.sleep(forTimeInterval: 0.2)
                redraw()
            }
        }
    }

    func started(_ step: BuildStep) {
        state.withLock { state in
            state.step = step
            state.stepStarted = .now
        }
        if interactive {
            redraw()
        } else {
            write("\(Self.prefix(step)) \(step.title)\n")
        }
    }

    func output(_ line: String) {
        guard verbose else { return }
        write(line + "\n")
    }

    func warning(_ message: String) {
        clearLine()
        write("warning: \(message)\n")
    }

    func finished() {
        let alreadyFinished = state.withLock { state in
            defer { state.finished = true }
            return state.finished
        }
        guard !alreadyFinished else { return }
        clearLine()
    }

    private func redraw() {
        let line: String? = state.withLock { state in
            guard !state.finished, let step = state.step else { return nil }
            state.lineShown = true
            let elapsed = ContinuousClock.now - started
            return "\(Self.prefix(step)) \(step.title)  \(Self.seconds(elapsed))"
        }
        guard let line else { return }
        write("\r\u{1B}[K" + line)
    }

    private func clearLine() {
        let shown = state.withLock { state in
            defer { state.lineShown = false }
            return state.lineShown
        }
        if shown && interactive { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func prefix(_ step: BuildStep) -> String {
        let (number, total) = step.position
        return "[\(number)/\(total)]"
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
}
