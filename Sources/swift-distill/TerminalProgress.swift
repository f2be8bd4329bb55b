//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import Foundation
import Synchronization

/// Shows a build's progress on standard error:
/// - on a terminal, one line redrawn in place, with `swift build`'s task count while it
///   compiles: `[2/9] building kv (KV)  12.3s  swift build 123/456`;
/// - elsewhere (a CI log), one plain line per step, and `swift build`'s count at most every
///   ten seconds while it compiles;
/// - with `--verbose`, the compiler's output as it comes, under a line per step.
///
/// Warnings are printed as they come, on lines of their own.
final class TerminalProgress: BuildProgress {
    private struct State {
        var step: BuildStep?
        var stepStarted = ContinuousClock.now
        /// `swift build`'s count in the current step, if it printed one.
        var count: SwiftBuildCount?
        var countPrinted = ContinuousClock.now
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
            state.count = nil
            state.countPrinted = .now
        }
        if interactive {
            redraw()
        } else {
            write("\(Self.prefix(step)) \(step.title)\n")
        }
    }

    func output(_ line: String) {
        if verbose {
            write(line + "\n")
            return
        }
        guard let count = SwiftBuildCount(line: line) else { return }
        let logLine: Bool = state.withLock { state in
            state.count = count
            guard !interactive, ContinuousClock.now - state.countPrinted >= .seconds(10) else { return false }
            state.countPrinted = .now
            return true
        }
        if logLine { write("      swift build \(count.done)/\(count.total)\n") }
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
            let count = state.count.map { "  swift build \($0.done)/\($0.total)" } ?? ""
            return "\(Self.prefix(step)) \(step.title)  \(Self.seconds(elapsed))\(count)"
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

    private static func prefix(_ step: BuildStep) -> String { "[\(step.number)/\(step.total)]" }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
}
