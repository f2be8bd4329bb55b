//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
public import DistillRelease
import Glibc
import Synchronization

extension ReleaseHandler {
    /// `unpack VSN`: takes the tarball placed at `releases/VSN/NAME.tar.gz` and records the
    /// release as unpacked.
    ///
    /// The archive is checked whole before anything is written (``ReleaseArchive``: no
    /// absolute paths or `..`, no links out of the tree, no devices, not truncated or corrupt,
    /// under ``Configuration/archiveLimits``), and so is the release it holds: its
    /// `releases/VSN/NAME.rel` must name this release and version, with names and versions that
    /// are plain file names (``ReleaseName``), and the release must be complete: every
    /// application has `lib/APP-VSN/ebin/APP.app` and exactly one plugin `lib/APP-VSN/lib/*.so`
    /// (in the tarball, or already in the release), and its runtime `erts-ERTS` is the node's
    /// own, in the tarball, or already in the release. Then it is extracted into a temporary
    /// directory next to the release (`.unpack-VSN-PID`) and what is new moves into place by
    /// `rename`: each `lib/APP-VSN` and `erts-VSN` not there yet, each file of `releases/VSN`.
    /// The tarball's `releases/RELEASES`, `releases/start_erl.data` and `bin/` are ignored: the
    /// node's own records and start script stay (the script is the same for every version: it
    /// reads `start_erl.data`). `RELEASES` is written last; an unpack cut short is finished by
    /// the next.
    @discardableResult
    public func unpack(_ version: String) throws(ReleaseHandlerError) -> ReleasesFile.Release {
        try exclusive(.unpack(version: version)) { () throws(ReleaseHandlerError) in try unpackLocked(version) }
    }

    func unpackLocked(_ version: String) throws(ReleaseHandlerError) -> ReleasesFile.Release {
        try ReleaseRoot.checkVersion(version)
        let running = try machine.withLock { machine throws(ReleaseHandlerError) in
            try machine.checkUnpack(version)
            return machine.release(machine.running)
        }
        let tarball = root.tarball(version)
        guard FileSystem.exists(tarball) else {
            throw ReleaseHandlerError(
                .noSuchRelease,
                "no tarball at \(tarball); copy \(root.name)-\(version).tar.gz there"
            )
        }
        // What an unpack killed half way left: its directory and the archive reader's.
        for name in FileSystem.list(root.path) where name.hasPrefix(".unpack-") || name.hasPrefix("..unpack-") {
            try? FileSystem.removeTree(root.path(name))
        }
        let temporary = root.path(".unpack-\(version)-\(getpid())")
        let relPath = "releases/\(version)/\(root.name).rel"
        var refusal: ReleaseHandlerError?
        var spec: ReleaseSpec?
        do {
            try ReleaseArchive.extract(
                tarball,
                into: temporary,
                limits: configuration.archiveLimits,
                reading: relPath
            ) { entries, rel throws(LayoutViolation) in
                do throws(ReleaseHandlerError) {
                    spec = try checkRelease(version, rel: rel, relPath: relPath, entries: entries, running: running)
                } catch {
                    refusal = error
                    throw LayoutViolation(message: error.message)
                }
            }
        } catch {
            if let refusal {
                throw ReleaseHandlerError(refusal.code, "\(tarball): \(refusal.message); nothing was written")
            }
            throw ReleaseHandlerError(.badArchive, "\(error); nothing was written")
        }
        defer { try? FileSystem.removeTree(temporary) }
        step("tarball extracted")
        let extracted = ReleaseRoot(path: temporary, name: root.name)
        // The archive was read twice (checked, then extracted): the .rel must not have changed.
        guard let spec, try extracted.rel(version) == spec else {
            throw ReleaseHandlerError(.badArchive, "\(tarball) changed while it was unpacked; nothing was written")
        }
        var moves: [(from: ContainedPath, to: ContainedPath)] = []
        do throws(ContainedPath.Failure) {
            for application in spec.applications {
                let directory = "lib/\(application.name)-\(application.version)"
                let target = try ContainedPath(root: root.path, directory)
                if try target.kind() != .missing { continue }
                // glibc hands back an image already loaded from the same path: a removed and
                // unpacked again version would run its first image, not these files.
                let prefix = target.path + "/"
                if let stale = node.codeServer.images.first(where: { ($0.image ?? "").hasPrefix(prefix) }) {
                    throw ContainedPath.Failure(
                        message: "the node still maps \(stale.image ?? "") from an earlier \(directory); restart the "
                            + "node (bin/REL restart) before unpacking it again"
                    )
                }
                moves.append((try ContainedPath(root: temporary, directory), target))
            }
            let erts = "erts-\(spec.ertsVersion)"
            let ertsTarget = try ContainedPath(root: root.path, erts)
            let ertsSource = try ContainedPath(root: temporary, erts)
            if try ertsTarget.kind() == .missing, try ertsSource.kind() == .directory {
                moves.append((ertsSource, ertsTarget))
            }
            let versionDirectory = "releases/\(version)"
            for name in try ContainedPath(root: temporary, versionDirectory).list() {
                let target = try ContainedPath(root: root.path, versionDirectory + "/" + name)
                if try target.kind() == .missing {
                    moves.append((try ContainedPath(root: temporary, versionDirectory + "/" + name), target))
                }
            }
        } catch {
            throw ReleaseHandlerError(.badRelease, "unpacking \(version): \(error.message); nothing was written")
        }
        do throws(FileSystem.Failure) {
            try FileSystem.makeDirectory(root.path("lib"))
            for move in moves {
                do throws(ContainedPath.Failure) {
                    try ContainedPath.move(move.from, to: move.to)
                } catch {
                    throw FileSystem.Failure(message: error.message)
                }
                step("moved \(move.to.path)")
            }
            for directory in [root.path, root.path("lib"), root.versionDirectory(version)] {
                try FileSystem.syncDirectory(directory)
            }
        } catch {
            throw ReleaseHandlerError(.fileSystem, "unpacking \(version): \(error.message)")
        }
        let release = ReleasesFile.Release(
            name: spec.name,
            version: version,
            ertsVersion: spec.ertsVersion,
            libraries: spec.applications.map {
                .init(name: $0.name, version: $0.version, directory: "lib/\($0.name)-\($0.version)")
            },
            status: .unpacked
        )
        var next = machine.withLock { $0 }
        try writeReleases(next.didUnpack(release))
        machine.withLock { _ = $0.didUnpack(release) }
        node.logger.info("release unpacked", metadata: ["release": "\(root.name)", "version": "\(version)"])
        return release
    }

    /// The `.rel` of the tarball (`rel`, at `relPath`), once checked: it names this release
    /// and `version`, its names are plain (its reader checks them), and the release is
    /// complete with the archive's `entries` and what the release directory has already.
    private func checkRelease(
        _ version: String,
        rel: [UInt8]?,
        relPath: String,
        entries: [ArchiveEntry],
        running: ReleasesFile.Release?
    ) throws(ReleaseHandlerError) -> ReleaseSpec {
        guard let rel else { throw ReleaseHandlerError(.badArchive, "\(relPath) is missing from the archive") }
        let spec: ReleaseSpec
        do {
            spec = try ReleaseSpec(parsing: String(decoding: rel, as: UTF8.self), file: relPath)
        } catch {
            throw ReleaseHandlerError(.badRelease, error.description)
        }
        guard spec.name == root.name, spec.version == version else {
            throw ReleaseHandlerError(
                .badRelease,
                "it holds release \(spec.name) \(spec.version), not \(root.name) \(version)"
            )
        }
        var files: Set<String> = []
        var directories: Set<String> = []
        for entry in entries {
            switch entry.kind {
            case .regularFile, .hardLink: files.insert(entry.path)
            case .directory: directories.insert(entry.path)
            case .symbolicLink: break
            }
            var parent = entry.path
            while let slash = parent.lastIndex(of: "/") {
                parent = String(parent[..<slash])
                directories.insert(parent)
            }
        }
        func inRelease(_ relative: String) throws(ReleaseHandlerError) -> Bool {
            do throws(ContainedPath.Failure) {
                return try ContainedPath(root: root.path, relative).kind() != .missing
            } catch {
                throw ReleaseHandlerError(.badRelease, error.message)
            }
        }
        for application in spec.applications {
            let directory = "lib/\(application.name)-\(application.version)"
            if try inRelease(directory) { continue }
            let app = "\(directory)/ebin/\(application.name).app"
            guard files.contains(app) else {
                throw ReleaseHandlerError(.badRelease, "the release is incomplete: \(app) is missing")
            }
            if application.effectiveType == .unloaded { continue }
            let plugins = files.filter { path in
                path.hasPrefix(directory + "/lib/") && path.hasSuffix(".so")
                    && !path.dropFirst(directory.count + 5).contains("/")
            }.sorted()
            guard plugins.count == 1 else {
                let found =
                    plugins.isEmpty
                    ? "none"
                    : plugins.map { String($0.dropFirst(directory.count + 5)) }
                        .joined(separator: ", ")
                throw ReleaseHandlerError(
                    .badRelease,
                    "the release is incomplete: \(directory)/lib must hold the one plugin of \(application.name); "
                        + "found \(found)"
                )
            }
        }
        let erts = "erts-\(spec.ertsVersion)"
        if spec.ertsVersion != running?.ertsVersion, !directories.contains(erts), try !inRelease(erts) {
            throw ReleaseHandlerError(
                .badRelease,
                "the release is incomplete: the runtime \(erts) is in neither the tarball nor the release "
                    + "(the node runs \(running?.ertsVersion ?? "none"))"
            )
        }
        return spec
    }
}
