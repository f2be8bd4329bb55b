//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What a rollback put back after an instruction failed past `point_of_no_return`, and the
/// few things it could not.
public struct RollbackReport: Hashable, Sendable, CustomStringConvertible {
    /// The instruction that failed, as the relup writes it, and its position (1-based).
    public var failedInstruction: Term
    public var failedIndex: Int
    /// Modules whose current and old code were put back.
    public var restoredModules: [String] = []
    /// Processes that got their old code and their exact old state back.
    public var restoredProcesses: [Pid] = []
    /// Processes that had already been resumed on the new code and handled messages: their
    /// state was converted back by the old code (`codeChange` from `{down, Vsn}`, or a soft
    /// decode), so those messages' effects are kept.
    public var convertedProcesses: [Pid] = []
    /// Processes of the previous kind whose state could not be converted back: they got the
    /// old state as it was before the upgrade (the effects of the messages they handled on
    /// the new code are lost).
    public var revertedProcesses: [Pid] = []
    /// Processes started on the new code during the upgrade (by a supervisor restart, say):
    /// killed, so that their supervisors start them again on the old code.
    public var restartedProcesses: [Pid] = []
    /// Effects the rollback cannot take back: `{apply, {M, F, A}}` calls that ran, and
    /// applications or processes the script stopped (started again, with a fresh state).
    public var irreversible: [String] = []
    /// Undo steps that failed themselves (the node may then differ from the old release).
    public var problems: [String] = []

    public init(failedInstruction: Term, failedIndex: Int) {
        self.failedInstruction = failedInstruction
        self.failedIndex = failedIndex
    }

    /// Whether everything was put back exactly (nothing irreversible, no state lost).
    public var isExact: Bool { revertedProcesses.isEmpty && irreversible.isEmpty && problems.isEmpty }

    /// The report as a term: `[{failed, N, Instruction}, {restored_modules, [M]}, ...]`.
    public var term: Term {
        func pids(_ list: [Pid]) -> Term { .list(list.map(Term.pid)) }
        return .list([
            .tuple([.atom("failed"), .integer(failedIndex), failedInstruction]),
            .tuple([.atom("restored_modules"), .list(restoredModules.map(Term.atom))]),
            .tuple([.atom("restored_processes"), pids(restoredProcesses)]),
            .tuple([.atom("converted_processes"), pids(convertedProcesses)]),
            .tuple([.atom("reverted_processes"), pids(revertedProcesses)]),
            .tuple([.atom("restarted_processes"), pids(restartedProcesses)]),
            .tuple([.atom("irreversible"), .list(irreversible.map { .binary($0) })]),
            .tuple([.atom("problems"), .list(problems.map { .binary($0) })]),
        ])
    }

    public var description: String {
        var lines = [
            "rolled back after instruction \(failedIndex), \(TermPrinter.printCompact(failedInstruction)):"
        ]
        func list(_ pids: [Pid]) -> String { pids.map(\.text).joined(separator: " ") }
        if !restoredModules.isEmpty { lines.append("  old code back: \(restoredModules.joined(separator: ", "))") }
        if !restoredProcesses.isEmpty { lines.append("  old code and state back: \(list(restoredProcesses))") }
        if !convertedProcesses.isEmpty {
            lines.append("  state converted back by the old code: \(list(convertedProcesses))")
        }
        if !revertedProcesses.isEmpty {
            lines.append("  state from before the upgrade (later updates lost): \(list(revertedProcesses))")
        }
        if !restartedProcesses.isEmpty {
            lines.append("  started on the new code, restarted on the old: \(list(restartedProcesses))")
        }
        for effect in irreversible { lines.append("  not undone: \(effect)") }
        for problem in problems { lines.append("  problem: \(problem)") }
        return lines.joined(separator: "\n")
    }
}
