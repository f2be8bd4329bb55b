//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Glibc

/// Skips packing when a release's contents did not change since its tarball was packed.
///
/// The writer is deterministic (``TarballWriter``): the same entries, time and compression
/// level give the same bytes. So the tarball of an earlier build of the same version is
/// kept aside while the release directory is rewritten (`releases/.REL-VSN.tar.gz.previous`,
/// removed before the build ends); after, the digest of the new entries (each one's path,
/// kind, mode bit and contents, SHA-256) is compared with the digest recorded in the build
/// directory when that tarball was packed (with the tarball's size and SHA-256). If both
/// match, the kept tarball is put back instead of packing the same bytes again (a second on
/// a release of a few tens of MB); otherwise it is packed afresh.
struct TarballReuse {
    let previous: String
    let record: String

    /// - Parameter cacheDirectory: where the digests are recorded (the build's cache).
    init(root: String, name: String, version: String, cacheDirectory: String) {
        previous = "\(root)/releases/.\(name)-\(version).tar.gz.previous"
        var key = SHA256()
        key.update(root + "/releases/\(version)/\(name).tar.gz")
        record = "\(cacheDirectory)/tarballs/\(key.hexDigest()).digest"
    }

    /// Moves an existing tarball aside before its directory is cleaned.
    func keepPrevious(_ tarball: String) {
        discardPrevious()
        guard FileManager.default.fileExists(atPath: tarball) else { return }
        if rename(tarball, previous) != 0 { discardPrevious() }
    }

    func discardPrevious() { unlink(previous) }

    /// The kept tarball, put back at `destination`, if `digest` is what it was packed from
    /// and it is intact.
    func restore(to destination: String, digest: String) -> ReleaseResult.Tarball? {
        guard let text = try? String(contentsOfFile: record, encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count == 3, fields[0] == digest, let bytes = Int64(fields[2]) else { return nil }
        var info = stat()
        guard stat(previous, &info) == 0, Int64(info.st_size) == bytes,
            let sha256 = SHA256.hexDigest(ofFile: previous), sha256 == fields[1],
            rename(previous, destination) == 0
        else { return nil }
        return ReleaseResult.Tarball(path: destination, bytes: bytes, sha256: sha256)
    }

    /// Records what `tarball` was packed from.
    func record(digest: String, tarball: ReleaseResult.Tarball) {
        BuildStamp(text: "\(digest) \(tarball.sha256) \(tarball.bytes)").write(to: record)
    }

    /// The digest of what `writer` would pack from `entries`.
    static func digest(of entries: [TarballEntry], writer: TarballWriter) -> String {
        var hasher = SHA256()
        hasher.update("distill tarball 1 \(writer.modificationTime) \(writer.compressionLevel)\n")
        for entry in entries.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            switch entry.kind {
            case .directory:
                hasher.update("d \(entry.path)\n")
            case .symbolicLink(let target):
                hasher.update("l \(entry.path) \(target)\n")
            case .file(let source, let executable):
                let isExecutable = executable ?? (access(source, X_OK) == 0)
                hasher.update("f \(entry.path) \(isExecutable) \(SHA256.hexDigest(ofFile: source) ?? "unreadable")\n")
            }
        }
        return hasher.hexDigest()
    }
}
