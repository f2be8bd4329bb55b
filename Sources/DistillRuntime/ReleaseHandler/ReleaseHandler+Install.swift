//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import Synchronization

/// What an install did.
public struct InstallReport: Sendable {
    public var from: String
    public var to: String
    /// How long the relup took (loading, switching, converting), in nanoseconds.
    public var duration: Duration
    /// The relup's description (`Descr`).
    public var description: Term
    /// What the executor did; `nil` when the install restarted the runtime.
    public var completion: RelupExecutor.Completion?
    /// The runtime restarts into `to` to finish (`restart_new_emulator`, `restart_emulator`).
    public var restarting: Bool

    /// One line for the operator.
    public var summary: String {
        if restarting { return "installing \(to) restarts the runtime (the processes' state does not survive)" }
        let changed = completion?.changedProcesses.count ?? 0
        let processes = changed == 1 ? "1 process" : "\(changed) processes"
        return "installed \(to) over \(from) in \(Self.milliseconds(duration)) ms (\(processes) changed code)"
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micro = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let whole = micro / 1000
        let fraction = micro % 1000 / 10
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `#{from, to, microseconds, changed, restarting}`.
    public var term: Term {
        let (seconds, attoseconds) = duration.components
        return .map(
            TermMap([
                (.atom("from"), .string(from)),
                (.atom("to"), .string(to)),
                (.atom("microseconds"), .integer(Int(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))),
                (.atom("changed"), .list((completion?.changedProcesses ?? []).map(Term.pid))),
                (.atom("restarting"), .atom(restarting ? "true" : "false")),
            ])
        )
    }
}

extension ReleaseHandler {
    /// `install VSN`: runs the relup from the running release to `version` and makes it
    /// current (not permanent: a reboot still starts the permanent release).
    ///
    /// The script is the `up` entry from the running version in `releases/VSN/relup`, or else
    /// the `down` entry to `version` in the running release's relup (a downgrade), as OTP
    /// looks for it. `environment` replaces `${VAR}`s in the new `sys.config` (default: the
    /// node's environment); the configuration takes effect at `point_of_no_return`.
    /// `timeLimit` bounds the script's waits on processes (default: the configuration's
    /// ``Configuration/installTimeLimit``); past it the install fails and rolls back.
    @discardableResult
    public func install(
        _ version: String,
        environment: [String: String]? = nil,
        timeLimit: Timeout? = nil
    ) throws(ReleaseHandlerError) -> InstallReport {
        try exclusive(.install(version: version)) { () throws(ReleaseHandlerError) in
            try installLocked(version, environment: environment, timeLimit: timeLimit, continuing: .install)
        }
    }

    /// `make_permanent VSN`: puts the release's files on disk (an `fsync` of every file and
    /// directory of its applications, `releases/VSN` and its runtime), then writes `RELEASES`
    /// (the release `permanent`, the former one `old`), then `start_erl.data`, each
    /// atomically; the second rename is the commit point. A power cut at any moment boots
    /// either the former release or this one with every file complete.
    public func makePermanent(_ version: String) throws(ReleaseHandlerError) {
        try exclusive(.makePermanent(version: version)) { () throws(ReleaseHandlerError) in
            try makePermanentLocked(version)
        }
    }

    /// `downgrade VSN`: installs an older release (the running release's relup has a `down`
    /// entry to it) and makes it permanent.
    @discardableResult
    public func downgrade(
        _ version: String,
        environment: [String: String]? = nil,
        timeLimit: Timeout? = nil
    ) throws(ReleaseHandlerError) -> InstallReport {
        try exclusive(.downgrade(version: version)) { () throws(ReleaseHandlerError) in
            let report = try installLocked(
                version,
                environment: environment,
                timeLimit: timeLimit,
                continuing: .downgrade
            )
            if !report.restarting { try makePermanentLocked(version) }
            return report
        }
    }

    /// `remove VSN`: writes `RELEASES` without an unpacked or old release (never the permanent
    /// or the running one), then deletes its application directories no other release uses,
    /// `releases/VSN`, and its runtime if no other release uses it. `RELEASES` first: a crash
    /// half way leaves files no release names, never a release whose files are gone. Images
    /// the node mapped from those files stay mapped (Linux keeps a deleted file's pages).
    public func remove(_ version: String) throws(ReleaseHandlerError) {
        try exclusive(.remove(version: version)) { () throws(ReleaseHandlerError) in
            try ReleaseRoot.checkVersion(version)
            let removal = try machine.withLock { machine throws(ReleaseHandlerError) in try machine.checkRemove(version)
            }
            var paths = removal.libraryDirectories.map(root.libraryDirectory) + [root.versionDirectory(version)]
            if let erts = removal.ertsVersion { paths.append(root.path("erts-\(erts)")) }
            try root.checkRemovable(paths)
            try writeReleases(removal.releases)
            machine.withLock { $0.didRemove(version) }
            for path in paths {
                do throws(ReleaseHandlerError) {
                    try configuration.fileSystem.removeTree(path)
                } catch {
                    throw ReleaseHandlerError(
                        .fileSystem,
                        "removing \(version) (RELEASES no longer lists it): \(error.message)"
                    )
                }
                step("removed \(path)")
            }
        }
    }

    // MARK: - Installing

    func makePermanentLocked(_ version: String) throws(ReleaseHandlerError) {
        guard
            let files = try machine.withLock({ machine throws(ReleaseHandlerError) in
                try machine.checkMakePermanent(version)
            })
        else { return }
        try syncRelease(files)
        try writeReleases(files.releases)
        try configuration.fileSystem.writeAtomically(files.startErlData.text, to: root.startErlData)
        step("start_erl.data written")
        machine.withLock { $0.didMakePermanent(version) }
        node.logger.info("release made permanent", metadata: ["release": "\(root.name)", "version": "\(version)"])
    }

    /// `fsync`s every file and directory of the release about to become permanent, each
    /// before the directory that holds it, then `lib/`, `releases/` and the root.
    private func syncRelease(_ files: ReleaseHandlerStateMachine.PermanentFiles) throws(ReleaseHandlerError) {
        let trees = files.libraryDirectories.map(root.libraryDirectory) + files.directories.map(root.path)
        for path in trees.flatMap(FileSystem.treeBottomUp) + [root.path("lib"), root.path("releases"), root.path]
        where FileSystem.exists(path) {
            try configuration.fileSystem.sync(path)
        }
    }

    /// The relup entry for `transition`.
    func script(for transition: ReleaseHandlerStateMachine.Transition) throws(ReleaseHandlerError) -> Relup.Entry {
        if let relup = try root.relupFile(transition.to), let entry = relup.upgrade(from: transition.from) {
            return entry
        }
        if let relup = try root.relupFile(transition.from), let entry = relup.downgrade(to: transition.to) {
            return entry
        }
        throw ReleaseHandlerError(
            .noScript,
            "no relup leads from \(transition.from) to \(transition.to): neither releases/\(transition.to)/relup "
                + "upgrades from \(transition.from) nor releases/\(transition.from)/relup downgrades to \(transition.to)"
        )
    }

    func installLocked(
        _ version: String,
        environment: [String: String]?,
        timeLimit: Timeout?,
        continuing command: Continuation.Command
    ) throws(ReleaseHandlerError) -> InstallReport {
        let (transition, target, current) = try machine.withLock {
            machine throws(ReleaseHandlerError) -> (
                ReleaseHandlerStateMachine.Transition, ReleasesFile.Release, ReleasesFile.Release
            ) in
            let transition = try machine.checkInstall(version)
            return (transition, machine.release(version)!, machine.release(machine.running)!)
        }
        let entry = try script(for: transition)
        let newConfiguration = try root.configuration(version, environment: environment ?? processEnvironment())
        let libraries = Dictionary(target.libraries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        /// Restarts the runtime into `target`, which finishes `script`; the report says so.
        func restarting(
            _ script: [RelupInstruction],
            after duration: Duration = .zero,
            _ completion: RelupExecutor.Completion? = nil
        ) throws(ReleaseHandlerError) -> InstallReport {
            try restart(
                into: target,
                continuation: Continuation(command: command, from: transition.from, to: version, script: script)
            )
            return InstallReport(
                from: transition.from,
                to: version,
                duration: duration,
                description: entry.description,
                completion: completion,
                restarting: true
            )
        }

        // A release on another runtime cannot load its plugins here: the node restarts into it.
        if target.ertsVersion != current.ertsVersion || entry.instructions.first == .restartNewEmulator {
            return try restarting(
                entry.instructions.first == .restartNewEmulator
                    ? Array(entry.instructions.dropFirst()) : entry.instructions
            )
        }

        var newImages = 0
        for instruction in entry.instructions {
            guard configuration.loader == nil,
                case .loadObjectCode(let application, let applicationVersion, _) = instruction,
                let library = libraries[application], library.version == applicationVersion
            else { continue }
            let plugin = try root.plugin(application: application, directory: library.directory)
            if !node.codeServer.images.contains(where: { $0.image == plugin.path }) { newImages += 1 }
        }
        try ReleaseHandlerStateMachine.checkImageLimit(
            loaded: node.codeServer.images.count,
            adding: newImages,
            limit: configuration.imageLimit
        )

        let executor = RelupExecutor(
            node: node,
            options: .init(
                suspendTimeout: configuration.suspendTimeout,
                configuration: newConfiguration,
                timeLimit: timeLimit ?? configuration.installTimeLimit
            ),
            loader: loader(for: target)
        )
        executor.beforeInstruction = { [self] index, _ in step("instruction \(index)") }
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = try executor.run(entry.instructions)
        let duration = clock.now - started
        switch outcome {
        case .completed(let completion):
            machine.withLock { $0.didInstall(version) }
            node.logger.info(
                "release installed",
                metadata: [
                    "from": "\(transition.from)", "to": "\(version)", "ms": "\(InstallReport.milliseconds(duration))",
                ]
            )
            return InstallReport(
                from: transition.from,
                to: version,
                duration: duration,
                description: entry.description,
                completion: completion,
                restarting: false
            )
        case .restartEmulator(let completion):
            machine.withLock { $0.didInstall(version) }
            return try restarting([], after: duration, completion)
        case .restartNewEmulator(let remaining):
            return try restarting(remaining)
        }
    }

    /// `load_object_code`'s loader for the applications of `release`.
    func loader(for release: ReleasesFile.Release) -> RelupExecutor.Loader {
        let root = self.root
        let node = self.node
        let custom = configuration.loader
        return { application, version in
            guard let library = release.libraries.first(where: { $0.name == application }) else {
                throw RuntimeError(.loadFailed, "release \(release.version) has no application \(application)")
            }
            guard library.version == version else {
                throw RuntimeError(
                    .loadFailed,
                    "release \(release.version) has \(application) \(library.version), the script loads \(version)"
                )
            }
            if let custom { return try custom(application, version, root.libraryDirectory(library.directory)) }
            let plugin: ReleaseRoot.Plugin
            do throws(ReleaseHandlerError) {
                plugin = try root.plugin(application: application, directory: library.directory)
            } catch {
                throw RuntimeError(.loadFailed, error.message)
            }
            return try node.codeServer.load(path: plugin.path, runtimeFingerprint: plugin.runtimeFingerprint)
        }
    }
}
