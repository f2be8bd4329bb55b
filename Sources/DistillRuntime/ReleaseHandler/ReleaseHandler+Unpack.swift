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
    /// under ``Configuration/archiveLimits``; `releases/VSN/NAME.rel` present), extracted into a
    /// temporary directory next to the release (`.unpack-VSN-PID`), and its `.rel` must name
    /// this release and version. Then what is new moves into place by `rename`: each
    /// `lib/APP-VSN` and `erts-VSN` not there yet, each file of `releases/VSN`. The tarball's
    /// `releases/RELEASES`, `releases/start_erl.data` and `bin/` are ignored: the node's own
    /// records and start script stay (the script is the same for every version: it reads
    /// `start_erl.data`). `RELEASES` is written last; an unpack cut short is finished by the next.
    @discardableResult
    public func unpack(_ version: String) throws(ReleaseHandlerError) -> ReleasesFile.Release {
        try exclusive(.unpack(version: version)) { () throws(ReleaseHandlerError) in try unpackLocked(version) }
    }

    func unpackLocked(_ version: String) throws(ReleaseHandlerError) -> ReleasesFile.Release {
        try machine.withLock { machine throws(ReleaseHandlerError) in try machine.checkUnpack(version) }
        let tarball = root.tarball(version)
        guard FileSystem.exists(tarball) else {
            throw ReleaseHandlerError(.noSuchRelease, "no tarball at \(tarball); copy \(root.name)-\(version).tar.gz there")
        }
        // What an unpack killed half way left: its directory and the archive reader's.
        for name in FileSystem.list(root.path) where name.hasPrefix(".unpack-") || name.hasPrefix("..unpack-") {
            try? FileSystem.removeTree(root.path(name))
        }
        let temporary = root.path(".unpack-\(version)-\(getpid())")
        let relPath = "releases/\(version)/\(root.name).rel"
        do {
            try ReleaseArchive.extract(
                tarball,
                into: temporary,
                limits: configuration.archiveLimits,
                validate: ReleaseArchive.requiring(files: [relPath])
            )
        } catch {
            throw ReleaseHandlerError(.badArchive, "\(error); nothing was written")
        }
        defer { try? FileSystem.removeTree(temporary) }
        step("tarball extracted")
        let extracted = ReleaseRoot(path: temporary, name: root.name)
        let spec = try extracted.rel(version)
        guard spec.name == root.name, spec.version == version else {
            throw ReleaseHandlerError(
                .badRelease,
                "\(tarball) holds release \(spec.name) \(spec.version), not \(root.name) \(version); nothing was written"
            )
        }
        var moves: [(from: String, to: String)] = []
        for application in spec.applications {
            let directory = "lib/\(application.name)-\(application.version)"
            if FileSystem.exists(root.path(directory)) { continue }
            guard FileSystem.isDirectory(extracted.path(directory)) else {
                throw ReleaseHandlerError(
                    .badRelease,
                    "\(tarball) lacks \(directory) and the release has no such directory; nothing was written"
                )
            }
            // glibc hands back an image already loaded from the same path: a removed and
            // unpacked again version would run its first image, not these files.
            let prefix = root.path(directory) + "/"
            if let stale = node.codeServer.images.first(where: { ($0.image ?? "").hasPrefix(prefix) }) {
                throw ReleaseHandlerError(
                    .badRelease,
                    "the node still maps \(stale.image ?? "") from an earlier \(directory); restart the node "
                        + "(bin/REL restart) before unpacking it again; nothing was written"
                )
            }
            moves.append((extracted.path(directory), root.path(directory)))
        }
        let erts = "erts-\(spec.ertsVersion)"
        if !FileSystem.exists(root.path(erts)), FileSystem.isDirectory(extracted.path(erts)) {
            moves.append((extracted.path(erts), root.path(erts)))
        }
        for name in FileSystem.list(extracted.versionDirectory(version))
        where !FileSystem.exists(root.versionDirectory(version) + "/" + name) {
            moves.append((extracted.versionDirectory(version) + "/" + name, root.versionDirectory(version) + "/" + name))
        }
        do {
            try FileSystem.makeDirectory(root.path("lib"))
            for move in moves {
                try FileSystem.move(move.from, to: move.to)
                step("moved \(move.to)")
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
}
