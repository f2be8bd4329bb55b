//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease

/// The release handler's bookkeeping without I/O: which releases exist and their statuses,
/// which one runs, what may happen next, and what the files on disk must say.
///
/// Statuses follow OTP's `release_handler`: a release is `unpacked`, then `current` once
/// installed (running, not yet what a reboot starts), then `permanent`; the permanent one it
/// replaces becomes `old`. Installing a release makes any other `current` one `old`;
/// installing the permanent one back (a downgrade) leaves it `permanent`. On disk `current`
/// is written as `unpacked`, so a reboot runs the permanent release.
///
/// The machine allows one command that changes releases at a time (``begin(_:)``): a second
/// upgrade while one runs is refused with ``ReleaseHandlerError/Code-swift.struct/busy``.
public struct ReleaseHandlerStateMachine: Hashable, Sendable {
    public typealias Release = ReleasesFile.Release
    public typealias Status = ReleasesFile.Release.Status

    /// A command that changes releases, in progress.
    public enum Operation: Hashable, Sendable, CustomStringConvertible {
        case unpack(version: String)
        case install(version: String)
        /// The whole `upgrade` command: unpack, install, health check, make permanent.
        case upgrade(version: String)
        case downgrade(version: String)
        case makePermanent(version: String)
        case remove(version: String)

        public var description: String {
            switch self {
            case .unpack(let version): "unpacking \(version)"
            case .install(let version): "installing \(version)"
            case .upgrade(let version): "upgrading to \(version)"
            case .downgrade(let version): "downgrading to \(version)"
            case .makePermanent(let version): "making \(version) permanent"
            case .remove(let version): "removing \(version)"
            }
        }
    }

    /// How to go from the running release to another: the relup entry to look for. OTP
    /// tries the target's relup (`up` from the running version) first, then the running
    /// release's (`down` to the target).
    public struct Transition: Hashable, Sendable {
        public var from: String
        public var to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    /// What making a release permanent syncs and writes: the release's files on disk first,
    /// then `RELEASES`, then `start_erl.data`, whose rename is the commit point (see
    /// ``reconcile(_:startErlData:)``).
    public struct PermanentFiles: Hashable, Sendable {
        /// The release's application directories, as `RELEASES` names them.
        public var libraryDirectories: [String]
        /// Its other directories, relative to the root: `releases/VSN` and `erts-ERTS`.
        public var directories: [String]
        public var releases: ReleasesFile
        public var startErlData: StartErlData
    }

    /// What removing a release deletes, and the `RELEASES` without it.
    public struct Removal: Hashable, Sendable {
        /// Application directories no other release uses (as `RELEASES` names them).
        public var libraryDirectories: [String]
        /// The runtime version no other release uses, if any (its `erts-VSN` goes).
        public var ertsVersion: String?
        public var releases: ReleasesFile
    }

    /// The releases with their in-memory statuses (`current` included), in `RELEASES` order.
    public private(set) var releases: [Release]
    /// The version running now.
    public private(set) var running: String
    /// The command in progress, if any.
    public private(set) var operation: Operation?
    /// The release the runtime is restarting into: from then on every command is refused.
    public private(set) var restarting: String?

    /// The state after a boot of `booted`, from `RELEASES` as read: the booted release is
    /// `current` unless it is the permanent one.
    public init(releases: [Release], booted: String) {
        self.releases = releases.map { release in
            var release = release
            if release.status == .current { release.status = .unpacked }
            if release.version == booted, release.status != .permanent { release.status = .current }
            return release
        }
        running = booted
        operation = nil
    }

    /// The release of `version`, with its in-memory status.
    public func release(_ version: String) -> Release? { releases.first { $0.version == version } }

    /// The permanent release.
    public var permanent: Release? { releases.first { $0.status == .permanent } }

    /// `RELEASES` as it must be on disk: `current` written as `unpacked`, as OTP does.
    public var file: ReleasesFile { Self.onDisk(releases) }

    static func onDisk(_ releases: [Release]) -> ReleasesFile {
        ReleasesFile(
            releases: releases.map { release in
                var release = release
                if release.status == .current { release.status = .unpacked }
                return release
            }
        )
    }

    // MARK: - One command at a time

    /// Starts `operation`; refused while another runs.
    public mutating func begin(_ operation: Operation) throws(ReleaseHandlerError) {
        if let target = restarting {
            throw ReleaseHandlerError(.busy, "cannot start \(operation): the runtime is restarting into \(target)")
        }
        if let running = self.operation {
            throw ReleaseHandlerError(
                .busy,
                "cannot start \(operation): the release handler is \(running); wait for it to finish"
            )
        }
        self.operation = operation
    }

    /// Ends the command in progress.
    public mutating func end() { operation = nil }

    /// Records that the runtime restarts into `version`: nothing else may start.
    public mutating func restartRequested(_ version: String) { restarting = version }

    // MARK: - Unpack

    /// Refuses to unpack a version that is already known.
    public func checkUnpack(_ version: String) throws(ReleaseHandlerError) {
        if let release = release(version) {
            throw ReleaseHandlerError(
                .alreadyUnpacked,
                "release \(version) is unpacked already (status \(release.status.rawValue))"
            )
        }
    }

    /// Records `release` as unpacked; returns the `RELEASES` to write.
    public mutating func didUnpack(_ release: Release) -> ReleasesFile {
        var release = release
        release.status = .unpacked
        releases.removeAll { $0.version == release.version }
        releases.insert(release, at: 0)
        return file
    }

    // MARK: - Install

    /// The transition that installs `version`, or why it cannot be installed.
    public func checkInstall(_ version: String) throws(ReleaseHandlerError) -> Transition {
        guard release(version) != nil else {
            throw ReleaseHandlerError(.noSuchRelease, "no release \(version) is unpacked or installed")
        }
        if version == running {
            throw ReleaseHandlerError(.alreadyInstalled, "release \(version) is the one running")
        }
        return Transition(from: running, to: version)
    }

    /// Records that `version` is installed and running (OTP's `set_status(Vsn, current)`).
    public mutating func didInstall(_ version: String) {
        releases = releases.map { release in
            var release = release
            if release.version == version {
                if release.status != .permanent { release.status = .current }
            } else if release.status == .current {
                release.status = .old
            }
            return release
        }
        running = version
    }

    // MARK: - Make permanent

    /// The files that make `version` permanent, or `nil` if it is permanent already.
    /// Only the running release can be made permanent: the node must run what a reboot starts.
    public func checkMakePermanent(_ version: String) throws(ReleaseHandlerError) -> PermanentFiles? {
        guard let release = release(version) else {
            throw ReleaseHandlerError(.noSuchRelease, "no release \(version) is unpacked or installed")
        }
        if release.status == .permanent { return nil }
        guard version == running else {
            throw ReleaseHandlerError(
                .badStatus,
                "release \(version) is \(release.status.rawValue), not running; install it first"
            )
        }
        return PermanentFiles(
            libraryDirectories: release.libraries.map(\.directory),
            directories: ["releases/\(version)", "erts-\(release.ertsVersion)"],
            releases: Self.onDisk(Self.makingPermanent(version, releases)),
            startErlData: StartErlData(ertsVersion: release.ertsVersion, releaseVersion: version)
        )
    }

    /// Records that `version` is permanent: the permanent one before it becomes `old`.
    public mutating func didMakePermanent(_ version: String) {
        releases = Self.makingPermanent(version, releases)
    }

    private static func makingPermanent(_ version: String, _ releases: [Release]) -> [Release] {
        releases.map { release in
            var release = release
            if release.version == version {
                release.status = .permanent
            } else if release.status == .permanent {
                release.status = .old
            }
            return release
        }
    }

    // MARK: - Remove

    /// What removing `version` deletes: never the permanent or the running release.
    public func checkRemove(_ version: String) throws(ReleaseHandlerError) -> Removal {
        guard let release = release(version) else {
            throw ReleaseHandlerError(.noSuchRelease, "no release \(version) is unpacked or installed")
        }
        if release.status == .permanent {
            throw ReleaseHandlerError(.permanentRelease, "release \(version) is permanent; it cannot be removed")
        }
        if version == running {
            throw ReleaseHandlerError(.permanentRelease, "release \(version) is running; it cannot be removed")
        }
        let others = releases.filter { $0.version != version }
        let kept = Set(others.flatMap { $0.libraries.map(\.directory) })
        let libraries = release.libraries.map(\.directory).filter { !kept.contains($0) }
        let erts = others.contains { $0.ertsVersion == release.ertsVersion } ? nil : release.ertsVersion
        return Removal(libraryDirectories: libraries, ertsVersion: erts, releases: Self.onDisk(others))
    }

    /// Records that `version` is gone.
    public mutating func didRemove(_ version: String) {
        releases.removeAll { $0.version == version }
    }

    // MARK: - Upgrade

    /// The steps of `upgrade VSN` still to do, from the release's status: an upgrade that
    /// stopped half way (or an `install` done by hand) goes on where it stopped.
    public struct UpgradeSteps: Hashable, Sendable {
        public var unpack: Bool
        public var install: Bool

        public init(unpack: Bool, install: Bool) {
            self.unpack = unpack
            self.install = install
        }
    }

    /// The steps `upgrade` needs for `version`.
    public func upgradeSteps(_ version: String) throws(ReleaseHandlerError) -> UpgradeSteps {
        guard let release = release(version) else { return UpgradeSteps(unpack: true, install: true) }
        if release.status == .permanent, version == running {
            throw ReleaseHandlerError(.alreadyInstalled, "release \(version) is running and permanent already")
        }
        return UpgradeSteps(unpack: false, install: version != running)
    }

    /// What to do when the health check fails after installing `version` over `previous`:
    /// install `previous` back (in place, with its relup's down script), unless the node no
    /// longer runs `version`.
    public func healthCheckFailed(installed version: String, previous: String) -> Transition? {
        guard running == version, release(previous) != nil else { return nil }
        return Transition(from: version, to: previous)
    }

    // MARK: - Stacked images

    /// Refuses an install that would map more than `limit` plugin images into the node.
    public static func checkImageLimit(loaded: Int, adding: Int, limit: Int) throws(ReleaseHandlerError) {
        guard adding > 0, loaded + adding > limit else { return }
        throw ReleaseHandlerError(
            .imageLimit,
            "\(loaded) images loaded and the upgrade needs \(adding) more (limit \(limit)); "
                + "restart the node (bin/REL restart) to drop old ones"
        )
    }

    // MARK: - Crash recovery

    /// `RELEASES` repaired to agree with `start_erl.data`, or `nil` if they agree.
    ///
    /// Making a release permanent renames `RELEASES` into place, then `start_erl.data`; a node
    /// killed between the two leaves a `RELEASES` whose permanent release is not the one
    /// `start_erl.data` boots. `start_erl.data` is the commit point: the release it names is
    /// the permanent one, and the one `RELEASES` called permanent goes back to `unpacked`.
    public static func reconcile(_ file: ReleasesFile, startErlData: StartErlData) -> ReleasesFile? {
        let booted = startErlData.releaseVersion
        guard file.release(version: booted) != nil else { return nil }
        var changed = false
        let releases = file.releases.map { release in
            var release = release
            if release.version == booted {
                if release.status != .permanent {
                    release.status = .permanent
                    changed = true
                }
            } else if release.status == .permanent || release.status == .current {
                release.status = .unpacked
                changed = true
            }
            return release
        }
        return changed ? ReleasesFile(releases: releases) : nil
    }
}
