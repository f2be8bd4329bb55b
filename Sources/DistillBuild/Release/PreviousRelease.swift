//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
public import DistillPlan
public import DistillRelease
import DistillTerm
import Foundation

/// A release built earlier, as an upgrade needs it: its `.rel`, the `.app` and build
/// snapshot of each of its applications. It is read from a release directory (the
/// builder's output, or an installed release) or from a tarball, so a CI job that kept
/// only the last artifact can still build the upgrade.
public struct PreviousRelease: Hashable, Sendable {
    public var spec: ReleaseSpec
    /// The release's root directory.
    public var root: String
    /// Where it came from, for messages (the tarball or the directory).
    public var origin: String
    public var applications: [ApplicationSpec]
    public var snapshots: [BuildSnapshot]

    public var version: String { spec.version }

    /// Reads release `name` version `version` from the release directory `root`.
    public static func load(
        name: String,
        version: String,
        root: String,
        origin: String
    ) throws(BuildError) -> PreviousRelease {
        let relPath = "\(root)/releases/\(version)/\(name).rel"
        let spec = try decode(relPath) { (located, file) throws(ReleaseFileError) in
            try ReleaseSpec(located: located, file: file)
        }
        var applications: [ApplicationSpec] = []
        var snapshots: [BuildSnapshot] = []
        for entry in spec.applications {
            let app = "\(root)/\(ReleaseLayout.appFile(entry.name, entry.version))"
            applications.append(
                try decode(app) { (located, file) throws(ReleaseFileError) in
                    try ApplicationSpec(located: located, file: file)
                }
            )
            let snapshotPath = "\(root)/\(ReleaseLayout.snapshotFile(entry.name, entry.version))"
            guard FileManager.default.fileExists(atPath: snapshotPath) else {
                throw BuildError(
                    code: .previousReleaseNotFound,
                    message: "release \(name) \(version) in '\(origin)' has no build snapshot for application "
                        + "'\(entry.name)' (\(ReleaseLayout.snapshotFile(entry.name, entry.version))): it was not "
                        + "built by swift-distill release, so there is nothing to compare the new build with"
                )
            }
            snapshots.append(
                try decode(snapshotPath) { (located, file) throws(ReleaseFileError) in
                    try BuildSnapshot(located: located, file: file)
                }
            )
        }
        return PreviousRelease(spec: spec, root: root, origin: origin, applications: applications, snapshots: snapshots)
    }

    /// The versions of release `name` in the release directory `root` (`releases/VSN/NAME.rel`).
    public static func versions(of name: String, in root: String) -> [String] {
        let releases = root + "/releases"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: releases) else { return [] }
        return entries.filter { FileManager.default.fileExists(atPath: "\(releases)/\($0)/\(name).rel") }
            .sorted(by: VersionOrder.less)
    }

    /// The version `releases/start_erl.data` of `root` names, if the file is there.
    public static func startVersion(in root: String) -> String? {
        guard let text = try? String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8),
            let data = try? StartErlData(parsing: text, file: "start_erl.data")
        else { return nil }
        return data.releaseVersion
    }

    static func decode<T>(
        _ path: String,
        _ decode: (LocatedTerm, String) throws(ReleaseFileError) -> T
    ) throws(BuildError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BuildError(code: .previousReleaseNotFound, message: "cannot read '\(path)'", file: path)
        }
        do {
            let terms = try TermParser.parseAllLocated(bytes: data, file: path)
            guard terms.count == 1 else {
                throw ReleaseFileError(
                    code: .wrongTermCount,
                    message: "expected one term, found \(terms.count)",
                    file: path,
                    location: nil
                )
            }
            return try decode(terms[0], path)
        } catch let error as ReleaseFileError {
            throw BuildError(
                code: .previousReleaseNotFound,
                message: error.message,
                file: path,
                location: error.location
            )
        } catch {
            throw BuildError(code: .previousReleaseNotFound, message: "\(error)", file: path)
        }
    }
}

/// Finds the releases an upgrade starts from: in the builder's output directory, in
/// release directories and in tarballs (`--from-release`), extracted to a temporary
/// directory that ``close()`` removes.
final class PreviousReleaseFinder {
    let name: String
    let current: String
    let outputRoot: String
    /// Release roots given with `--from-release`, tarballs extracted, with what the user named.
    private(set) var roots: [(root: String, origin: String, isTarball: Bool)] = []
    private var temporary: [String] = []

    init(name: String, current: String, outputRoot: String, fromReleases: [String]) throws(BuildError) {
        self.name = name
        self.current = current
        self.outputRoot = outputRoot
        for path in fromReleases {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                close()
                throw BuildError(
                    code: .previousReleaseNotFound,
                    message: "--from-release '\(path)' does not exist"
                )
            }
            if isDirectory.boolValue {
                roots.append((SwiftPackage.absolute(path), path, false))
                continue
            }
            do {
                roots.append((try extract(path), path, true))
            } catch {
                close()
                throw error
            }
        }
    }

    private func extract(_ tarball: String) throws(BuildError) -> String {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent(
            "distill-previous-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        ).path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw BuildError(
                code: .outputNotWritable,
                message: "cannot create '\(parent)': \(error.localizedDescription)"
            )
        }
        temporary.append(parent)
        let root = parent + "/release"
        do {
            try ReleaseArchive.extract(tarball, into: root)
        } catch {
            throw BuildError(
                code: .previousReleaseNotFound,
                message: "cannot read the release tarball '\(tarball)': \(error)"
            )
        }
        return root
    }

    /// Removes the extracted tarballs.
    func close() {
        for directory in temporary { try? FileManager.default.removeItem(atPath: directory) }
        temporary = []
    }

    /// The releases to upgrade from: each of `upFrom`, or else the one each `--from-release`
    /// holds (the version its `start_erl.data` names, or its newest), or else the newest
    /// release in the output directory older than the one being built.
    func find(upFrom: [String]) throws(BuildError) -> [PreviousRelease] {
        var found: [PreviousRelease] = []
        if !upFrom.isEmpty {
            for version in upFrom {
                guard version != current else {
                    throw BuildError(
                        code: .previousReleaseNotFound,
                        message: "--upfrom \(version) is the version being built; upgrade from an earlier release"
                    )
                }
                let candidates = roots.map { ($0.root, $0.origin) } + [(outputRoot, outputRoot)]
                guard
                    let (root, origin) = candidates.first(where: {
                        PreviousRelease.versions(of: name, in: $0.0).contains(version)
                    })
                else {
                    throw notFound(
                        "release \(name) \(version) is in none of: \(candidates.map(\.1).joined(separator: ", "))"
                    )
                }
                found.append(try PreviousRelease.load(name: name, version: version, root: root, origin: origin))
            }
            return found
        }
        if !roots.isEmpty {
            for (root, origin, _) in roots {
                let versions = PreviousRelease.versions(of: name, in: root).filter { $0 != current }
                let start = PreviousRelease.startVersion(in: root).flatMap { versions.contains($0) ? $0 : nil }
                guard let version = start ?? versions.last else {
                    let holdsCurrent = PreviousRelease.versions(of: name, in: root).contains(current)
                    throw notFound(
                        holdsCurrent
                            ? "'\(origin)' holds release \(name) \(current), the version being built: give the new "
                                + "release another version"
                            : "'\(origin)' holds no release \(name)"
                    )
                }
                found.append(try PreviousRelease.load(name: name, version: version, root: root, origin: origin))
            }
            return found
        }
        let older = PreviousRelease.versions(of: name, in: outputRoot).filter {
            $0 != current && VersionOrder.less($0, current)
        }
        guard let version = older.last else {
            throw notFound(
                "'\(outputRoot)/releases' holds no release \(name) older than \(current) to upgrade from"
            )
        }
        return [try PreviousRelease.load(name: name, version: version, root: outputRoot, origin: outputRoot)]
    }

    private func notFound(_ message: String) -> BuildError {
        BuildError(
            code: .previousReleaseNotFound,
            message: "previous release not found for --upgrade: " + message,
            notes: [
                "build the previous version first, or pass its tarball or directory with --from-release PATH "
                    + "(and --upfrom VSN to choose among several)"
            ]
        )
    }
}

/// Orders versions the way people read them: dot- and dash-separated parts, numbers as
/// numbers (`0.10.0` after `0.9.1`), other parts as text.
public enum VersionOrder {
    public static func less(_ lhs: String, _ rhs: String) -> Bool {
        let left = parts(lhs)
        let right = parts(rhs)
        for (a, b) in zip(left, right) where a != b {
            switch (Int(a), Int(b)) {
            case (let x?, let y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
        return left.count < right.count
    }

    private static func parts(_ version: String) -> [String] {
        version.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "+" }).map(String.init)
    }
}
