//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillArchive
public import DistillRelease
import Glibc
import Logging
import Synchronization

/// OTP's `release_handler` for a running node: unpack a release tarball, install a release
/// by running its relup (``RelupExecutor``), make it permanent, upgrade (all of these, with a
/// health check), downgrade, remove; and report what is installed and loaded.
///
/// Two-phase install: ``install(_:environment:)`` makes a release *current* (running, not
/// what a reboot starts); ``makePermanent(_:)`` writes `RELEASES` and `start_erl.data`, the
/// only record of what boots. ``upgrade(_:options:)`` does both with a health check between
/// them and downgrades in place if the check fails.
///
/// One command that changes releases runs at a time: a second upgrade while one runs is
/// refused (``ReleaseHandlerError/Code-swift.struct/busy``). Commands block the calling
/// thread (a control-socket connection), never a process.
public final class ReleaseHandler: Sendable {
    /// How the handler works.
    public struct Configuration: Sendable {
        /// The release's directory and name.
        public var root: ReleaseRoot
        /// Most plugin images the node may have mapped: an install that would load more is
        /// refused with advice to restart the node (images are never unloaded). Default 16.
        public var imageLimit: Int
        /// Bounds for unpacked tarballs (size, entries); default ``ArchiveLimits/default``.
        public var archiveLimits: ArchiveLimits
        /// How long `{suspend, [Mod]}` waits for each process by default. Default 5 seconds.
        public var suspendTimeout: Timeout
        /// Seconds between two runs of a health command during the soak. Default 1.
        public var healthInterval: Double
        /// Seconds a hook or one run of a health command may take. Default 60.
        public var commandTimeout: Double
        /// How long an install's relup may wait on the processes it changes (suspends, even
        /// `{Mod, infinity}` ones, and `codeChange`s) before it fails and rolls back, so that a
        /// `codeChange` that never returns does not keep the handler busy for ever; an install
        /// or upgrade may set its own (``UpgradeOptions/timeLimit``). Default 5 minutes.
        public var installTimeLimit: Timeout
        /// Loads an application's code (name, version, its directory) for `load_object_code`;
        /// `nil`: its plugin `.so` through the code server (production). Tests give linked code.
        public var loader:
            (@Sendable (_ application: String, _ version: String, _ directory: String) throws -> LoadedApplication)?
        /// Replaces the running runtime with the launcher of a release (`execve`), for
        /// `restart_new_emulator` and `restart_emulator`; `nil`: this node cannot restart itself.
        public var restart: (@Sendable (RestartRequest) throws -> Void)?
        /// For the crash-safety tests only: the node kills itself (`SIGKILL`) at the step with
        /// this number (each file written, each tree moved, each relup instruction is a step).
        /// Read from `DISTILL_TEST_CRASH_AT_STEP` when the handler starts.
        public var crashAtStep: Int?
        /// The writes, syncs and removals that decide what a crash leaves
        /// (``PosixFileSystem``); tests record their order.
        public var fileSystem: any ReleaseFileSystem

        public init(
            root: ReleaseRoot,
            imageLimit: Int = 16,
            archiveLimits: ArchiveLimits = .default,
            suspendTimeout: Timeout = .seconds(5),
            healthInterval: Double = 1,
            commandTimeout: Double = 60,
            installTimeLimit: Timeout = .seconds(300),
            loader: (@Sendable (String, String, String) throws -> LoadedApplication)? = nil,
            restart: (@Sendable (RestartRequest) throws -> Void)? = nil,
            crashAtStep: Int? = nil,
            fileSystem: any ReleaseFileSystem = PosixFileSystem()
        ) {
            self.root = root
            self.imageLimit = imageLimit
            self.archiveLimits = archiveLimits
            self.suspendTimeout = suspendTimeout
            self.healthInterval = healthInterval
            self.commandTimeout = commandTimeout
            self.installTimeLimit = installTimeLimit
            self.loader = loader
            self.restart = restart
            self.crashAtStep = crashAtStep
            self.fileSystem = fileSystem
        }
    }

    public let node: Node
    public let configuration: Configuration
    let machine: Mutex<ReleaseHandlerStateMachine>
    private let steps = Mutex(0)
    /// What a restart asked this incarnation of the node to finish (``finishRestart()``).
    let continuation: Mutex<Continuation?>

    var root: ReleaseRoot { configuration.root }

    /// A handler for the node that booted release `booted` from `configuration.root`.
    ///
    /// Reads `RELEASES` and `start_erl.data` and repairs `RELEASES` if a make-permanent was cut
    /// between its two renames (``ReleaseHandlerStateMachine/reconcile(_:startErlData:)``). A
    /// release without `RELEASES` (the first boot of a tree made by hand) gets one naming
    /// `booted` permanent. `environment` is the node's: it may carry the continuation of an
    /// upgrade that restarted the runtime (`DISTILL_UPGRADE_CONTINUE`) and the crash-test
    /// step (`DISTILL_TEST_CRASH_AT_STEP`).
    public init(
        node: Node,
        configuration: Configuration,
        booted: String,
        environment: [String: String] = [:]
    ) throws(ReleaseHandlerError) {
        var configuration = configuration
        if configuration.crashAtStep == nil, let step = environment["DISTILL_TEST_CRASH_AT_STEP"].flatMap({ Int($0) }) {
            configuration.crashAtStep = step
        }
        if let value = node.environment("distill", "install_time_limit") {
            configuration.installTimeLimit = try Self.installTimeLimit(value)
        }
        self.node = node
        self.configuration = configuration
        let root = configuration.root
        // Temporary files of atomic writes a kill interrupted.
        for name in FileSystem.list(root.path("releases")) where name.contains(".tmp-") {
            unlink(root.path("releases/" + name))
        }
        var file: ReleasesFile
        if FileSystem.exists(root.releasesFile) {
            file = try root.releases()
            if FileSystem.exists(root.startErlData),
                let repaired = ReleaseHandlerStateMachine.reconcile(file, startErlData: try root.startErl())
            {
                node.logger.warning(
                    "RELEASES disagreed with start_erl.data (a make-permanent was interrupted); repaired",
                    metadata: ["releases": "\(root.releasesFile)"]
                )
                try configuration.fileSystem.writeAtomically(repaired.fileContents, to: root.releasesFile)
                file = repaired
            }
        } else {
            let spec = try root.rel(booted)
            file = ReleasesFile(releases: [
                ReleasesFile.Release(
                    name: spec.name,
                    version: spec.version,
                    ertsVersion: spec.ertsVersion,
                    libraries: spec.applications.map {
                        .init(name: $0.name, version: $0.version, directory: "lib/\($0.name)-\($0.version)")
                    },
                    status: .permanent
                )
            ])
            try configuration.fileSystem.writeAtomically(file.fileContents, to: root.releasesFile)
        }
        guard file.release(version: booted) != nil else {
            throw ReleaseHandlerError(.badRelease, "\(root.releasesFile) does not list the running release \(booted)")
        }
        machine = Mutex(ReleaseHandlerStateMachine(releases: file.releases, booted: booted))
        continuation = Mutex(try Continuation(environment: environment, booted: booted))
    }

    /// The node's default install time limit from `sys.config`:
    /// `{distill, [{install_time_limit, Milliseconds | infinity}]}`.
    static func installTimeLimit(_ value: Term) throws(ReleaseHandlerError) -> Timeout {
        if value == .atom("infinity") { return .infinity }
        // Erlang's longest timeout: 2^32 - 1 ms (49.7 days).
        guard let milliseconds = value.intValue, (1...4_294_967_295).contains(milliseconds) else {
            throw ReleaseHandlerError(
                .configFailed,
                "sys.config: {distill, [{install_time_limit, _}]} must be milliseconds from 1 to 4294967295 or "
                    + "infinity, not \(TermPrinter.printCompact(value, maximumBytes: 40))"
            )
        }
        return .milliseconds(milliseconds)
    }

    // MARK: - Reporting

    /// The releases, their statuses, and which one runs.
    public var releases: [ReleasesFile.Release] { machine.withLock { $0.releases } }

    /// The version running now.
    public var running: String { machine.withLock { $0.running } }

    /// `versions`: one line per release, newest first as `RELEASES` lists them, e.g.
    /// `0.2.0 current (running)` / `0.1.0 permanent`.
    public var versionsText: String {
        let (releases, running) = machine.withLock { ($0.releases, $0.running) }
        return releases.map { release in
            "\(release.version) \(release.status.rawValue)" + (release.version == running ? " (running)" : "")
        }.joined(separator: "\n")
    }

    /// `describe`: the releases, the command in progress, and the loaded plugin images with
    /// the modules each has current or old.
    public var description: Term {
        let (releases, running, operation) = machine.withLock { ($0.releases, $0.running, $0.operation) }
        let modules = node.codeServer.modules
        let images: [Term] = node.codeServer.images.sorted { ($0.image ?? "") < ($1.image ?? "") }.map { image in
            let current = image.modules.filter { modules[$0.name]?.type == $0.type }.map(\.name)
            let old = image.modules.filter { node.codeServer.oldCode($0.name)?.type == $0.type }.map(\.name)
            return .tuple([
                .atom("image"), .string(image.image ?? ""), .atom(image.name), .string(image.version),
                .list([
                    .tuple([.atom("current"), .list(current.map(Term.atom))]),
                    .tuple([.atom("old"), .list(old.map(Term.atom))]),
                ]),
            ])
        }
        return .list([
            .tuple([.atom("release"), .string(root.name)]),
            .tuple([.atom("running"), .string(running)]),
            .tuple([.atom("operation"), operation.map { .binary($0.description) } ?? .atom("none")]),
            .tuple([
                .atom("releases"),
                .list(
                    releases.map {
                        .tuple([.string($0.version), .atom($0.status.rawValue), .string($0.ertsVersion)])
                    }
                ),
            ]),
            .tuple([.atom("images"), .list(images)]),
            .tuple([.atom("image_limit"), .integer(configuration.imageLimit)]),
            .tuple([.atom("runtime"), .string(RuntimeImage.fingerprint)]),
        ])
    }

    // MARK: - Helpers

    /// Runs `body` as `operation`: refused while another command runs. A failure is written
    /// to the node's log (with what a rollback put back) as well as thrown to the client,
    /// which may be gone by then.
    func exclusive<R>(
        _ operation: ReleaseHandlerStateMachine.Operation,
        _ body: () throws(ReleaseHandlerError) -> R
    ) throws(ReleaseHandlerError) -> R {
        try machine.withLock { machine throws(ReleaseHandlerError) in try machine.begin(operation) }
        defer { machine.withLock { $0.end() } }
        do {
            return try body()
        } catch {
            var metadata: Logger.Metadata = ["code": "\(error.code.name)", "error": "\(error.message)"]
            if let rollback = error.rollback {
                metadata["rollback"] = "\(rollback.description.split(separator: "\n").joined(separator: ";"))"
            }
            node.logger.error("\(operation) failed", metadata: metadata)
            throw error
        }
    }

    /// A step of a command; the crash-safety tests stop the node at a chosen one.
    func step(_ label: String) {
        guard let target = configuration.crashAtStep else { return }
        let number = steps.withLock { count in
            count += 1
            return count
        }
        guard number == target else { return }
        node.logger.critical("crash test: killing the node at step \(number) (\(label))")
        raise(SIGKILL)
    }

    func writeReleases(_ file: ReleasesFile) throws(ReleaseHandlerError) {
        try configuration.fileSystem.writeAtomically(file.fileContents, to: root.releasesFile)
        step("RELEASES written")
    }
}
