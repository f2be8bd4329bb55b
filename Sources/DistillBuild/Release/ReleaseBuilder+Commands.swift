//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillPlan
import DistillRelease
import DistillTerm
import Foundation
import Glibc

/// What `swift-distill release` made (and prints with `--json`).
public struct ReleaseResult: Hashable, Sendable, Encodable {
    /// One application of the release.
    public struct Application: Hashable, Sendable, Encodable {
        public var name: String
        public var version: String
        public var product: String
        /// The plugin in the release, relative to its root.
        public var plugin: String
    }

    /// The tarball and what identifies it.
    public struct Tarball: Hashable, Sendable, Encodable {
        public var path: String
        public var bytes: Int64
        public var sha256: String
    }

    /// One upgrade the release carries.
    public struct Upgrade: Hashable, Sendable, Encodable {
        public var from: String
        /// Where the release upgraded from was found.
        public var origin: String
        public var plan: UpgradePlan
    }

    public var name: String
    public var version: String
    public var environment: String?
    /// The release's directory.
    public var path: String
    public var ertsVersion: String
    public var runtimeFingerprint: String
    public var applications: [Application]
    public var tarball: Tarball?
    public var upgrades: [Upgrade]
    /// Warnings of the upgrade planner and the relup compiler.
    public var warnings: [String]

    private enum CodingKeys: String, CodingKey {
        case name, version, environment, path
        case ertsVersion = "erts_version"
        case runtimeFingerprint = "runtime_fingerprint"
        case applications, tarball, upgrades, warnings
    }
}

extension ReleaseBuilder {
    /// `swift-distill release`: prepares the release, plans the upgrade if asked (before
    /// anything is written, so a refused upgrade leaves the output as it was), writes the
    /// release directory and packs `releases/VSN/REL.tar.gz`.
    public func release() throws(BuildError) -> ReleaseResult {
        let prepared = try prepare(stepsAfter: { settings in
            (options.upgrade ? 1 : 0) + 1 + (options.packsTarball && !settings.devMode ? 1 : 0)
        })
        let root = outputDirectory(for: prepared)
        var upgrades: [ReleaseUpgrade] = []
        var appups: [String: Appup] = [:]
        var relup: Relup?
        var warnings: [String] = []
        if options.upgrade {
            started(.upgrade, "planning the upgrade")
            let finder = try PreviousReleaseFinder(
                name: prepared.settings.release,
                current: prepared.version,
                outputRoot: root,
                fromReleases: options.fromReleases
            )
            defer { finder.close() }
            upgrades = try UpgradeBuilder.plans(
                for: prepared,
                from: try finder.find(upFrom: options.upFrom),
                appupDirectory: packageDirectory + "/rel/appups"
            )
            appups = UpgradeBuilder.appups(for: prepared, upgrades: upgrades)
            let compilation = try UpgradeBuilder.relup(for: prepared, appups: appups, upgrades: upgrades)
            relup = compilation.relup
            warnings += upgrades.flatMap { $0.plan.allWarnings.map(\.message) }
            warnings += compilation.warnings.map(\.message)
        }
        started(.assemble, "writing \(root)")
        let assembler = ReleaseAssembler(prepared: prepared, root: root)
        let layout = assembler.layout
        // The tarball of an earlier build of this version survives the clean-up beside it:
        // if the release's contents turn out the same, it is the tarball packing would write.
        let reuse = TarballReuse(
            root: root,
            name: layout.name,
            version: layout.version,
            cacheDirectory: prepared.cacheDirectory
        )
        reuse.keepPrevious(layout.path(layout.tarball))
        defer { reuse.discardPrevious() }
        let paths = try assembler.assemble(appups: appups, relup: relup)

        var tarball: ReleaseResult.Tarball?
        if options.packsTarball && !prepared.settings.devMode {
            started(.pack, "packing \(layout.tarball)")
            tarball = try pack(root: root, paths: paths, to: layout.path(layout.tarball), reuse: reuse)
        }
        for warning in warnings { progress.warning(warning) }
        return ReleaseResult(
            name: prepared.settings.release,
            version: prepared.version,
            environment: prepared.settings.environment,
            path: root,
            ertsVersion: prepared.runtime.ertsVersion,
            runtimeFingerprint: prepared.runtime.fingerprint,
            applications: prepared.applications.map {
                .init(
                    name: $0.name,
                    version: $0.version,
                    product: $0.product,
                    plugin: ReleaseLayout.pluginFile($0.name, $0.version, product: $0.product)
                )
            },
            tarball: tarball,
            upgrades: upgrades.map { .init(from: $0.from.version, origin: $0.from.origin, plan: $0.plan) },
            warnings: warnings
        )
    }

    /// `swift-distill plan`: builds and reads the applications and plans the upgrade from
    /// the previous release(s), writing nothing.
    public func plan() throws(BuildError) -> [ReleaseUpgrade] {
        let prepared = try prepare(stepsAfter: { _ in 1 })
        started(.upgrade, "planning the upgrade")
        let finder = try PreviousReleaseFinder(
            name: prepared.settings.release,
            current: prepared.version,
            outputRoot: outputDirectory(for: prepared),
            fromReleases: options.fromReleases
        )
        defer { finder.close() }
        return try UpgradeBuilder.plans(
            for: prepared,
            from: try finder.find(upFrom: options.upFrom),
            appupDirectory: packageDirectory + "/rel/appups"
        )
    }

    /// `swift-distill appup`: writes the generated appup of each changed application (or
    /// only `application`) to `rel/appups/APP/FROM_to_TO.appup`, for review and editing.
    /// A file already there is kept unless `force`. Returns the files written.
    public func writeAppups(application: String? = nil, force: Bool = false) throws(BuildError) -> [String] {
        let prepared = try prepare(stepsAfter: { _ in 1 })
        if let application, !prepared.applications.contains(where: { $0.name == application }) {
            throw BuildError(
                code: .unknownName,
                message: "release '\(prepared.settings.release)' has no application '\(application)' (it has "
                    + prepared.applications.map { "'\($0.name)'" }.joined(separator: ", ") + ")"
            )
        }
        started(.upgrade, "generating appups")
        let finder = try PreviousReleaseFinder(
            name: prepared.settings.release,
            current: prepared.version,
            outputRoot: outputDirectory(for: prepared),
            fromReleases: options.fromReleases
        )
        defer { finder.close() }
        var written: [String] = []
        for base in try finder.find(upFrom: options.upFrom) {
            for new in prepared.applications where application == nil || new.name == application {
                guard let old = base.snapshots.first(where: { $0.application == new.name }) else { continue }
                let generated: GeneratedAppup
                do {
                    generated = try AppupGenerator().generate(from: old, to: new.snapshot)
                } catch {
                    throw UpgradeBuilder.refused(error, from: base)
                }
                guard let appup = generated.appup else { continue }
                let relative = "rel/appups/\(new.name)/\(old.version)_to_\(new.version).appup"
                let path = packageDirectory + "/" + relative
                if FileManager.default.fileExists(atPath: path) && !force {
                    throw BuildError(
                        code: .fileExists,
                        message: "'\(relative)' exists already: it replaces the generated appup, so it is kept",
                        notes: ["pass --force to overwrite it with the generated one"]
                    )
                }
                let header =
                    "%% Generated by swift-distill appup from the builds of \(new.name) \(old.version) and "
                    + "\(new.version).\n%% Edit it as needed: swift-distill release --upgrade uses this file instead "
                    + "of the generated appup,\n%% after checking it against both builds.\n"
                try FileOperations.write(header + appup.fileContents, to: path)
                written.append(relative)
            }
        }
        return written
    }

    /// `_build/ENV/rel/REL` in the package, or the output directory asked for.
    func outputDirectory(for prepared: PreparedRelease) -> String {
        if let output = options.outputDirectory { return SwiftPackage.absolute(output) }
        let environment = prepared.settings.environment ?? "default"
        return "\(packageDirectory)/_build/\(environment)/rel/\(prepared.settings.release)"
    }

    /// Packs `paths` of the release at `root` into `destination`, or puts back the tarball
    /// `reuse` kept when the entries are those it was packed from.
    func pack(
        root: String,
        paths: [String],
        to destination: String,
        reuse: TarballReuse? = nil
    ) throws(BuildError) -> ReleaseResult.Tarball {
        var entries: [TarballEntry] = []
        for path in paths { try Self.collectEntries(root: root, path: path, into: &entries) }
        let inside = destination.hasPrefix(root + "/") ? String(destination.dropFirst(root.count + 1)) : nil
        entries.removeAll { $0.path == inside }
        let writer: TarballWriter
        do {
            writer = TarballWriter(
                modificationTime: try TarballWriter.modificationTime(sourceDateEpoch: options.sourceDateEpoch)
            )
        } catch {
            throw BuildError(
                code: .invalidConfig,
                message: "cannot write the tarball: \(error.message)",
                file: "SOURCE_DATE_EPOCH"
            )
        }
        let digest = reuse.map { _ in TarballReuse.digest(of: entries, writer: writer) }
        if let reuse, let digest, let kept = reuse.restore(to: destination, digest: digest) { return kept }
        do {
            try writer.pack(entries, to: destination)
        } catch {
            throw BuildError(
                code: .packFailed,
                message: "cannot write the tarball: \(error.message)",
                file: destination,
                notes: ["nothing was left under '\(destination)'"]
            )
        }
        var info = stat()
        guard stat(destination, &info) == 0, let sha256 = SHA256.hexDigest(ofFile: destination) else {
            throw BuildError(code: .packFailed, message: "cannot read the tarball '\(destination)' back")
        }
        let tarball = ReleaseResult.Tarball(path: destination, bytes: Int64(info.st_size), sha256: sha256)
        if let reuse, let digest { reuse.record(digest: digest, tarball: tarball) }
        return tarball
    }

    /// The tarball entries for `path` (relative to `root`) and, for a directory, everything in it.
    static func collectEntries(root: String, path: String, into entries: inout [TarballEntry]) throws(BuildError) {
        let full = root + "/" + path
        var info = stat()
        guard lstat(full, &info) == 0 else {
            throw BuildError(code: .packFailed, message: "'\(full)' vanished before it could be packed")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            entries.append(TarballEntry(path: path, kind: .directory))
            let names = (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []
            for name in names.sorted() { try collectEntries(root: root, path: path + "/" + name, into: &entries) }
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? ""
            entries.append(TarballEntry(path: path, kind: .symbolicLink(target: target)))
        default:
            entries.append(TarballEntry(path: path, kind: .file(source: full, executable: info.st_mode & 0o111 != 0)))
        }
    }
}
