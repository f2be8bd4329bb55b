//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillPlan
public import DistillRelease
import DistillTerm
import Foundation

/// The upgrade of one release from one earlier release: what changes, application by application.
public struct ReleaseUpgrade: Hashable, Sendable {
    /// The release upgraded from.
    public var from: PreviousRelease
    public var plan: UpgradePlan

    public init(from: PreviousRelease, plan: UpgradePlan) {
        self.from = from
        self.plan = plan
    }
}

/// Plans the upgrade of a new build from earlier releases and makes its files: an appup
/// per changed application (the generated one, or `rel/appups/APP/FROM_to_TO.appup`,
/// checked), with one entry per release upgraded from, and the release's `relup`.
public enum UpgradeBuilder {
    /// The plan from each of `bases` to `release`.
    ///
    /// - Throws: ``BuildError/Code/upgradeRefused`` when an application's code changed
    ///   without a version bump, a server's `State` changed without a `vsn` bump, or a
    ///   hand-written appup is wrong (the planner's message names the application).
    public static func plans(
        for release: PreparedRelease,
        from bases: [PreviousRelease],
        appupDirectory: String
    ) throws(BuildError) -> [ReleaseUpgrade] {
        var upgrades: [ReleaseUpgrade] = []
        for base in bases {
            var handWritten: [String: AppupFile] = [:]
            for application in release.applications {
                guard let old = base.snapshots.first(where: { $0.application == application.name }),
                    old.version != application.version
                else { continue }
                let path = "\(appupDirectory)/\(application.name)/\(old.version)_to_\(application.version).appup"
                guard FileManager.default.fileExists(atPath: path) else { continue }
                handWritten[application.name] = readAppup(path)
            }
            do {
                let plan = try UpgradePlanner().plan(
                    from: base.snapshots,
                    to: release.snapshots,
                    handWritten: handWritten
                )
                upgrades.append(ReleaseUpgrade(from: base, plan: plan))
            } catch {
                throw refused(error, from: base)
            }
        }
        return upgrades
    }

    /// Each application's appup, merged over every release upgraded from (one up and one
    /// down entry per earlier version of the application).
    public static func appups(for release: PreparedRelease, upgrades: [ReleaseUpgrade]) -> [String: Appup] {
        var merged: [String: Appup] = [:]
        for upgrade in upgrades {
            for application in upgrade.plan.applications {
                guard let appup = application.appup, let version = application.toVersion else { continue }
                var result = merged[application.name] ?? Appup(version: version, upgrades: [], downgrades: [])
                for entry in appup.upgrades where !result.upgrades.contains(where: { $0.version == entry.version }) {
                    result.upgrades.append(entry)
                }
                for entry in appup.downgrades where !result.downgrades.contains(where: { $0.version == entry.version })
                {
                    result.downgrades.append(entry)
                }
                merged[application.name] = result
            }
        }
        return merged
    }

    /// The relup from (and back to) each release of `upgrades`.
    ///
    /// The relup compiler follows `systools` to the letter, and `systools` insists that a
    /// release has kernel, stdlib and sasl. In a swift-distill release the runtime plays
    /// their part, so the compiler sees them as applications without modules, in one
    /// version in every release: they add no instruction, and a runtime change is the
    /// `erts` version's business (`restart_new_emulator`). They are not written to the `.rel`.
    public static func relup(
        for release: PreparedRelease,
        appups: [String: Appup],
        upgrades: [ReleaseUpgrade]
    ) throws(BuildError) -> RelupCompilation {
        let new = files(
            spec: release.spec,
            path: "releases/\(release.version)/\(release.settings.release).rel",
            applications: release.applications.map(\.spec),
            appups: Dictionary(
                uniqueKeysWithValues: appups.map { name, appup in
                    (name, AppupFile(path: ReleaseLayout.appupFile(name, appup.version), appup: appup))
                }
            )
        )
        var bases: [BaseRelease] = []
        for upgrade in upgrades {
            let base = upgrade.from
            bases.append(
                BaseRelease(
                    files(
                        spec: base.spec,
                        path: "\(base.origin)/releases/\(base.version)/\(base.spec.name).rel",
                        applications: base.applications,
                        appups: [:]
                    )
                )
            )
        }
        do {
            return try RelupCompiler().compile(new, upFrom: bases, downTo: bases)
        } catch {
            throw BuildError(
                code: .upgradeRefused,
                message: "cannot make the relup: \(error.message)",
                file: error.file,
                detail: error.underlying?.description
            )
        }
    }

    /// The applications that stand for the runtime in the relup compiler's eyes.
    static let runtimeApplications = ["kernel", "stdlib", "sasl"]

    private static func files(
        spec: ReleaseSpec,
        path: String,
        applications: [ApplicationSpec],
        appups: [String: AppupFile]
    ) -> ReleaseFiles {
        var spec = spec
        spec.applications.insert(
            contentsOf: runtimeApplications.map { ReleaseSpec.Application(name: $0, version: "distill") },
            at: 0
        )
        let runtime = runtimeApplications.map {
            ApplicationSpec(
                name: $0,
                description: "provided by the swift-distill runtime",
                version: "distill",
                modules: [],
                applications: []
            )
        }
        return ReleaseFiles(release: spec, path: path, applications: runtime + applications, appups: appups)
    }

    static func readAppup(_ path: String) -> AppupFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            return AppupFile(
                path: path,
                contents: .failure(
                    ReleaseFileError(code: .unreadableFile, message: "cannot read '\(path)'", file: path, location: nil)
                )
            )
        }
        do {
            return AppupFile(path: path, appup: try Appup(parsing: String(decoding: data, as: UTF8.self), file: path))
        } catch {
            return AppupFile(path: path, contents: .failure(error))
        }
    }

    static func refused(_ error: PlanError, from base: PreviousRelease) -> BuildError {
        BuildError(
            code: .upgradeRefused,
            message: "cannot upgrade from release \(base.spec.name) \(base.version): \(error.message)",
            file: error.file,
            detail: error.underlying?.description
        )
    }
}
