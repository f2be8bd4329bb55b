//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import Synchronization

/// What the node must do to restart its runtime into a release: `execve` of that
/// release's launcher with the same arguments, its environment plus ``environment``. The
/// process keeps its pid; every process's state is lost, as in OTP.
public struct RestartRequest: Hashable, Sendable {
    /// The release to boot.
    public var releaseVersion: String
    /// Its runtime's version.
    public var ertsVersion: String
    /// `erts-ERTS/bin/distill-run` of the release (absolute).
    public var launcher: String
    /// Variables to set: `DISTILL_BOOT_VERSION` (`"ERTS VSN"`: the release to boot instead of
    /// the one `start_erl.data` names, see ``ReleaseHandler/bootOverride(environment:)``),
    /// `DISTILL_RELEASE_VSN`, `DISTILL_ERTS_VSN` (what `bin/REL` sets) and
    /// `DISTILL_UPGRADE_CONTINUE`, the rest of the command for the new runtime to finish
    /// (read back by ``ReleaseHandler/init(node:configuration:booted:environment:)``).
    public var environment: [String: String]
}

/// The rest of an install that restarted the runtime, carried to the new runtime in its
/// environment (never in a file: if the new runtime dies, nothing stale is left behind).
struct Continuation: Sendable {
    /// The command that restarted the runtime.
    enum Command: Sendable {
        case install
        case downgrade
        case upgrade(UpgradeOptions)
    }

    static let variable = "DISTILL_UPGRADE_CONTINUE"

    var command: Command
    var from: String
    var to: String
    /// The relup instructions after `restart_new_emulator` (empty after `restart_emulator`).
    var script: [RelupInstruction]

    init(command: Command, from: String, to: String, script: [RelupInstruction]) {
        self.command = command
        self.from = from
        self.to = to
        self.script = script
    }

    /// `{distill_continue, Command, From, To, Script, Options}`.
    var term: Term {
        let name: String
        var options: [Term] = []
        switch command {
        case .install: name = "install"
        case .downgrade: name = "downgrade"
        case .upgrade(let upgrade):
            name = "upgrade"
            if let health = upgrade.health { options.append(.tuple([.atom("health"), .binary(health)])) }
            options.append(.tuple([.atom("soak"), .float(upgrade.soak)]))
            options.append(.tuple([.atom("permanent"), .atom(upgrade.makePermanent ? "true" : "false")]))
        }
        return .tuple([
            .atom("distill_continue"), .atom(name), .string(from), .string(to), .list(script.map(\.term)),
            .list(options),
        ])
    }

    /// The continuation in `environment`, if it is for release `booted` (the one the
    /// restart asked for); a continuation for another release is stale and ignored.
    init?(environment: [String: String], booted: String) throws(ReleaseHandlerError) {
        guard let text = environment[Self.variable] else { return nil }
        let file = Self.variable
        func bad(_ what: String) -> ReleaseHandlerError {
            ReleaseHandlerError(.badScript, "\(file): \(what)")
        }
        let located: LocatedTerm
        do {
            let terms = try TermParser.parseAllLocated(text + ".", file: file)
            guard terms.count == 1 else { throw bad("expected one term") }
            located = terms[0]
        } catch let error as ReleaseHandlerError {
            throw error
        } catch {
            throw bad("\(error)")
        }
        guard case .tuple(let parts) = located.term, parts.count == 6, parts[0] == .atom("distill_continue"),
            let name = parts[1].atomValue, let from = parts[2].stringValue, let to = parts[3].stringValue,
            located.children.count == 6, let options = parts[5].listElements
        else { throw bad("not a {distill_continue, ...} term") }
        guard to == booted else { return nil }
        var script: [RelupInstruction] = []
        for child in located.children[4].children {
            do {
                script.append(try RelupInstruction(located: child, file: file))
            } catch {
                throw bad(error.description)
            }
        }
        func option(_ key: String) -> Term? {
            options.first { $0.tupleElements?.first == .atom(key) }?.tupleElements?.last
        }
        switch name {
        case "install": command = .install
        case "downgrade": command = .downgrade
        case "upgrade":
            var upgrade = UpgradeOptions()
            if case .binary(let health)? = option("health") { upgrade.health = String(decoding: health, as: UTF8.self) }
            if case .float(let soak)? = option("soak") { upgrade.soak = soak }
            upgrade.makePermanent = option("permanent") != .atom("false")
            command = .upgrade(upgrade)
        default: throw bad("unknown command '\(name)'")
        }
        self.from = from
        self.to = to
        self.script = script
    }
}

extension ReleaseHandler {
    /// The variable that makes a boot start another release than `start_erl.data` names.
    public static let bootVariable = "DISTILL_BOOT_VERSION"
    /// The variable naming the control connection that waits for a restarted command's reply.
    public static let replyVariable = "DISTILL_UPGRADE_REPLY_FD"

    /// The release a boot must start instead of the one `start_erl.data` names: set only by
    /// the release handler when it restarts the runtime into a release that is not permanent
    /// (`DISTILL_BOOT_VERSION="ERTS VSN"`). The node clears it once booted, so that a later
    /// `restart` or heart boots the permanent release again.
    public static func bootOverride(environment: [String: String]) -> StartErlData? {
        guard let text = environment[bootVariable] else { return nil }
        return try? StartErlData(parsing: text, file: bootVariable)
    }

    /// Asks the node to restart into `release` and finish `continuation` there.
    func restart(into release: ReleasesFile.Release, continuation: Continuation) throws(ReleaseHandlerError) {
        guard let restart = configuration.restart else {
            throw ReleaseHandlerError(
                .restartFailed,
                "going to \(release.version) needs a restart of the runtime (erts \(release.ertsVersion)), "
                    + "which this node cannot do; stop it and start \(release.version)"
            )
        }
        let launcher = root.launcher(ertsVersion: release.ertsVersion)
        guard FileSystem.isExecutableFile(launcher) else {
            throw ReleaseHandlerError(.restartFailed, "no launcher at \(launcher) to restart into \(release.version)")
        }
        let request = RestartRequest(
            releaseVersion: release.version,
            ertsVersion: release.ertsVersion,
            launcher: launcher,
            environment: [
                ReleaseHandler.bootVariable: "\(release.ertsVersion) \(release.version)",
                "DISTILL_RELEASE_VSN": release.version,
                "DISTILL_ERTS_VSN": release.ertsVersion,
                Continuation.variable: TermPrinter.printCompact(continuation.term),
            ]
        )
        node.logger.notice(
            "restarting the runtime",
            metadata: ["to": "\(release.version)", "erts": "\(release.ertsVersion)", "launcher": "\(launcher)"]
        )
        step("restarting the runtime")
        machine.withLock { $0.restartRequested(release.version) }
        do {
            try restart(request)
        } catch {
            throw ReleaseHandlerError(.restartFailed, "restarting into \(release.version) failed: \(error)")
        }
    }

    /// Whether this incarnation of the node was started by a restart that left work to finish.
    public var hasPendingRestart: Bool { continuation.withLock { $0 != nil } }

    /// Finishes what a restart into this release left (call it once the release's
    /// applications run): the rest of the relup script, then the rest of the command.
    ///
    /// The node booted the new release with its new code and its applications started, so of
    /// the script's remaining instructions only `{apply, {M, F, A}}` calls to the release's
    /// own modules still have work to do; module instructions (`load`, `code_change`, ...) and
    /// `application`/`supervisor` calls have been done by the boot and are skipped. Then:
    /// `install` is done; `downgrade` makes the release permanent; `upgrade` runs its
    /// `post_upgrade` hooks and health check and makes it permanent (a failed check restarts
    /// the node back into the previous release). Returns `nil` if there was nothing to finish.
    public func finishRestart() -> Result<UpgradeReport, ReleaseHandlerError>? {
        guard
            let continuation = continuation.withLock({ state -> Continuation? in
                defer { state = nil }
                return state
            })
        else { return nil }
        let operation: ReleaseHandlerStateMachine.Operation
        switch continuation.command {
        case .install: operation = .install(version: continuation.to)
        case .downgrade: operation = .downgrade(version: continuation.to)
        case .upgrade: operation = .upgrade(version: continuation.to)
        }
        do {
            let report = try exclusive(operation) { () throws(ReleaseHandlerError) -> UpgradeReport in
                var report = UpgradeReport(version: continuation.to)
                report.lines.append("the runtime restarted into \(continuation.to)")
                for instruction in continuation.script {
                    guard case .apply(let call) = instruction, !["application", "supervisor"].contains(call.module)
                    else { continue }
                    do {
                        _ = try node.codeServer.currentCode(call.module).type.apply(call.function, call.arguments)
                        report.lines.append("applied \(TermPrinter.printCompact(call.term))")
                    } catch {
                        throw ReleaseHandlerError(
                            .instructionFailed,
                            "after the restart into \(continuation.to), \(TermPrinter.printCompact(instruction.term)) "
                                + "failed: \(RelupExecutor.describe(error)); \(continuation.to) runs, not permanent"
                        )
                    }
                }
                switch continuation.command {
                case .install:
                    break
                case .downgrade:
                    try makePermanentLocked(continuation.to)
                    report.permanent = true
                case .upgrade(let options):
                    try afterInstall(continuation.to, previous: continuation.from, options: options, &report)
                }
                return report
            }
            return .success(report)
        } catch {
            return .failure(error)
        }
    }
}
