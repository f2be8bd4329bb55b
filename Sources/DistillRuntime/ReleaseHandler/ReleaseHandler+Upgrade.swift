//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import Glibc
import Synchronization

/// How `upgrade VSN` goes about it.
public struct UpgradeOptions: Hashable, Sendable {
    /// A shell command run in the release's directory after the install, every
    /// ``ReleaseHandler/Configuration/healthInterval`` seconds during the soak; a non-zero exit
    /// downgrades the node in place. `nil`: no check.
    public var health: String?
    /// Seconds to keep checking health (at least one run). Default 0.
    public var soak: Double
    /// Whether to make the release permanent at the end (`--no-permanent` leaves it current).
    public var makePermanent: Bool
    /// The environment for `${VAR}`s in the new `sys.config` (the operator's), and for hooks
    /// and the health command; `nil`: the node's.
    public var environment: [String: String]?
    /// How long the install's relup may wait on processes before it fails and rolls back;
    /// `nil`: the handler's ``ReleaseHandler/Configuration/installTimeLimit``.
    public var timeLimit: Timeout?

    public init(
        health: String? = nil,
        soak: Double = 0,
        makePermanent: Bool = true,
        environment: [String: String]? = nil,
        timeLimit: Timeout? = nil
    ) {
        self.health = health
        self.soak = soak
        self.makePermanent = makePermanent
        self.environment = environment
        self.timeLimit = timeLimit
    }
}

/// What `upgrade` did, step by step.
public struct UpgradeReport: Sendable {
    public var version: String
    public var unpacked = false
    public var install: InstallReport?
    public var healthRuns = 0
    public var permanent = false
    /// The install restarted the runtime; the new runtime finishes the command.
    public var restarting = false
    /// What happened, one line per step, for the operator.
    public var lines: [String] = []

    public init(version: String) { self.version = version }

    /// `#{version, unpacked, install, health_runs, permanent, restarting, log}`.
    public var term: Term {
        .map(
            TermMap([
                (.atom("version"), .string(version)),
                (.atom("unpacked"), .atom(unpacked ? "true" : "false")),
                (.atom("install"), install?.term ?? .atom("none")),
                (.atom("health_runs"), .integer(healthRuns)),
                (.atom("permanent"), .atom(permanent ? "true" : "false")),
                (.atom("restarting"), .atom(restarting ? "true" : "false")),
                (.atom("log"), .list(lines.map { .binary($0) })),
            ])
        )
    }
}

extension ReleaseHandler {
    /// `upgrade VSN`: unpack (if the release is not unpacked yet), run the new release's
    /// `pre_upgrade` hooks, install, run its `post_upgrade` hooks, check health over the soak
    /// time, and make the release permanent. A failing `pre_upgrade` hook stops everything
    /// before the node changes; a failing `post_upgrade` hook or health check downgrades the
    /// node in place to the release it ran before and fails with
    /// ``ReleaseHandlerError/Code-swift.struct/healthCheckFailed``. An upgrade that stopped
    /// half way goes on where it stopped (a release already current is only checked and made
    /// permanent).
    @discardableResult
    public func upgrade(
        _ version: String,
        options: UpgradeOptions = UpgradeOptions()
    ) throws(ReleaseHandlerError)
        -> UpgradeReport
    {
        try exclusive(.upgrade(version: version)) { () throws(ReleaseHandlerError) in
            let steps = try machine.withLock { machine throws(ReleaseHandlerError) in try machine.upgradeSteps(version)
            }
            var report = UpgradeReport(version: version)
            if steps.unpack {
                try unpackLocked(version)
                report.unpacked = true
                report.lines.append("unpacked \(version)")
            }
            let previous = machine.withLock { machine in
                steps.install ? machine.running : (machine.permanent?.version ?? machine.running)
            }
            if steps.install {
                if let failure = runHooks("pre_upgrade", version: version, from: previous, options: options) {
                    throw ReleaseHandlerError(.hookFailed, "\(failure); nothing was changed")
                }
                let install = try installLocked(
                    version,
                    environment: options.environment,
                    timeLimit: options.timeLimit,
                    continuing: .upgrade(options)
                )
                report.install = install
                report.lines.append(install.summary)
                if install.restarting {
                    report.restarting = true
                    return report
                }
            }
            try afterInstall(version, previous: previous, options: options, &report)
            return report
        }
    }

    /// `post_upgrade` hooks, the health check over the soak, make permanent; downgrades in
    /// place if a hook or the check fails.
    func afterInstall(
        _ version: String,
        previous: String,
        options: UpgradeOptions,
        _ report: inout UpgradeReport
    ) throws(ReleaseHandlerError) {
        if let failure = runHooks("post_upgrade", version: version, from: previous, options: options) {
            try downgradeAfterFailure(version, previous: previous, reason: failure, options: options)
        }
        if let health = options.health {
            let clock = ContinuousClock()
            let started = clock.now
            let soak = Duration.milliseconds(Int64(max(0, options.soak) * 1000))
            while true {
                let result = ShellCommand.shell(
                    health,
                    in: root.path,
                    environment: commandEnvironment(version: version, from: previous, options: options),
                    timeout: configuration.commandTimeout
                ).run()
                report.healthRuns += 1
                if !result.succeeded {
                    let output = Self.tail(result.output)
                    try downgradeAfterFailure(
                        version,
                        previous: previous,
                        reason: "the health check '\(health)' \(result.summary) on run \(report.healthRuns)"
                            + (output.isEmpty ? "" : ": \(output)"),
                        options: options
                    )
                }
                if clock.now - started >= soak { break }
                let interval = Duration.milliseconds(Int64(configuration.healthInterval * 1000))
                Self.sleep(min(interval, soak - (clock.now - started)))
            }
            report.lines.append("health check passed \(report.healthRuns) times over \(options.soak) s")
        } else if options.soak > 0 {
            Self.sleep(.milliseconds(Int64(options.soak * 1000)))
        }
        if options.makePermanent {
            try makePermanentLocked(version)
            report.permanent = true
            report.lines.append("made \(version) permanent")
        } else {
            report.lines.append(
                "\(version) is current, not permanent (a reboot starts \(machine.withLock { $0.permanent?.version ?? "?" }))"
            )
        }
    }

    /// Installs `previous` back after a failed check of `version`, and fails with what happened.
    private func downgradeAfterFailure(
        _ version: String,
        previous: String,
        reason: String,
        options: UpgradeOptions
    ) throws(ReleaseHandlerError) {
        node.logger.error("upgrade check failed; downgrading", metadata: ["to": "\(previous)", "reason": "\(reason)"])
        let back = machine.withLock { $0.healthCheckFailed(installed: version, previous: previous) }
        guard back != nil else {
            throw ReleaseHandlerError(.healthCheckFailed, "\(reason); the node does not run \(version) any more")
        }
        let report: InstallReport
        do {
            report = try installLocked(
                previous,
                environment: options.environment,
                timeLimit: options.timeLimit,
                continuing: .install
            )
        } catch {
            throw ReleaseHandlerError(
                .healthCheckFailed,
                "\(reason); downgrading to \(previous) failed too: \(error.message)",
                rollback: error.rollback
            )
        }
        let how = report.restarting ? "the runtime restarts into \(previous)" : "downgraded in place to \(previous)"
        throw ReleaseHandlerError(.healthCheckFailed, "\(reason); \(how), which keeps running")
    }

    /// Runs the executable files of `releases/VSN/hooks/KIND.d` in name order; returns why
    /// the first failing one failed, or `nil`.
    func runHooks(_ kind: String, version: String, from: String, options: UpgradeOptions) -> String? {
        let directory = root.hooks(version, kind)
        for name in FileSystem.list(directory) {
            let path = directory + "/" + name
            guard FileSystem.isExecutableFile(path) else { continue }
            let result = ShellCommand.program(
                path,
                in: root.path,
                environment: commandEnvironment(version: version, from: from, options: options),
                timeout: configuration.commandTimeout
            ).run()
            if !result.succeeded {
                let output = Self.tail(result.output)
                return "\(kind) hook \(name) \(result.summary)" + (output.isEmpty ? "" : ": \(output)")
            }
        }
        return nil
    }

    /// What hooks and health commands see: the operator's (or node's) environment and
    /// `DISTILL_RELEASE_ROOT`, `DISTILL_RELEASE_NAME`, `DISTILL_RELEASE_VSN` (the new release),
    /// `DISTILL_RELEASE_FROM` (the one upgraded from).
    func commandEnvironment(version: String, from: String, options: UpgradeOptions) -> [String: String] {
        var environment = options.environment ?? processEnvironment()
        environment["DISTILL_RELEASE_ROOT"] = root.path
        environment["DISTILL_RELEASE_NAME"] = root.name
        environment["DISTILL_RELEASE_VSN"] = version
        environment["DISTILL_RELEASE_FROM"] = from
        return environment
    }

    /// The last line of a command's output, trimmed, for a one-line message.
    static func tail(_ output: String) -> String {
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: " \t\r") }.filter { !$0.isEmpty }
        return lines.last.map(String.init) ?? ""
    }

    static func sleep(_ duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> Substring {
        var result = self
        while let first = result.first, characters.contains(first) { result = result.dropFirst() }
        while let last = result.last, characters.contains(last) { result = result.dropLast() }
        return result
    }
}
