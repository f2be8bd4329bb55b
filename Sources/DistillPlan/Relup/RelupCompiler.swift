//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

/// The relup compiler: `systools:make_relup(New, UpFrom, DownTo, Options)` without the
/// file reading. Appups (high-level scripts per application) and releases in, the
/// `relup` (one low-level script per base release and direction) out.
///
/// For the new release and each base release, separately for up and down:
/// 1. every release passes `systools_make`'s checks (kernel and stdlib permanent,
///    sasl present, each `.app` there with the listed version, used applications
///    present, no module or registered name twice, no circular dependencies) and its
///    applications are sorted: each after those it uses or includes;
/// 2. for each application of the new release that the base release has in another
///    version, the appup entry for that version (up: the up list matched against the
///    old version, exactly or by a regular expression; down: the down list);
/// 3. `{add_application, App, Type}` before them for each application only in the
///    release gone to; `{remove_application, App}` after them for each only in the
///    release come from; `restart_new_emulator` first if the `erts` versions differ;
///    `restart_emulator` last with ``Options-swift.struct/restartEmulator``;
/// 4. ``ScriptTranslator`` makes one low-level script of them.
///
/// Like systools, the up and down lists of the relup put the last base release first,
/// and warnings come latest first.
///
/// The one place the result can differ from a given run of systools is the order of
/// module instructions that do not depend on each other, which OTP leaves to its hash
/// tables: see ``DependencyOrder``.
public struct RelupCompiler: Sendable {
    /// systools' options that change the relup.
    public struct Options: Hashable, Sendable {
        /// `restart_emulator`: restart the node at the end of every script.
        public var restartEmulator: Bool
        /// `warnings_as_errors`: fail with ``PlanError/Code/warningsTreatedAsErrors`` if there are warnings.
        public var warningsAsErrors: Bool

        public init(restartEmulator: Bool = false, warningsAsErrors: Bool = false) {
            self.restartEmulator = restartEmulator
            self.warningsAsErrors = warningsAsErrors
        }
    }

    public var options: Options

    /// For the differential test against OTP: a rank per module for each relup entry
    /// (direction, base release version), which decides the order of module instructions
    /// that do not depend on each other (lowest rank first) as OTP's run decided it.
    var ranks: (@Sendable (_ direction: Direction, _ base: String) -> [String: Int]?)?

    public init(options: Options = Options()) {
        self.options = options
    }

    /// The relup that takes `release` from each of `upFrom` and back to each of `downTo`.
    public func compile(
        _ release: ReleaseFiles,
        upFrom: [BaseRelease],
        downTo: [BaseRelease]
    ) throws(PlanError) -> RelupCompilation {
        let top = try Self.resolve(release)
        // The same release is often both upgraded from and downgraded to: check it once.
        var resolvedBases: [(files: ReleaseFiles, release: ResolvedRelease)] = []
        func resolve(_ files: ReleaseFiles) throws(PlanError) -> ResolvedRelease {
            if let known = resolvedBases.first(where: { $0.files == files }) { return known.release }
            let resolved = try Self.resolve(files)
            resolvedBases.append((files, resolved))
            return resolved
        }
        var warnings: [PlanWarning] = []
        var upgrades: [Relup.Entry] = []
        for base in upFrom {
            let resolved = try resolve(base.files)
            let instructions = try entry(.up, top: top, base: resolved, warnings: &warnings)
            upgrades.insert(
                Relup.Entry(
                    version: resolved.spec.version,
                    description: base.description,
                    instructions: instructions
                ),
                at: 0
            )
        }
        var downgrades: [Relup.Entry] = []
        for base in downTo {
            let resolved = try resolve(base.files)
            let instructions = try entry(.down, top: top, base: resolved, warnings: &warnings)
            downgrades.insert(
                Relup.Entry(
                    version: resolved.spec.version,
                    description: base.description,
                    instructions: instructions
                ),
                at: 0
            )
        }
        warnings.reverse()
        if options.warningsAsErrors, !warnings.isEmpty {
            throw PlanError(
                code: .warningsTreatedAsErrors,
                message: "warnings treated as errors:\n" + warnings.map { "  \($0.message)" }.joined(separator: "\n"),
                file: release.path
            )
        }
        return RelupCompilation(
            relup: Relup(version: release.release.version, upgrades: upgrades, downgrades: downgrades),
            warnings: warnings
        )
    }

    private static func resolve(_ files: ReleaseFiles) throws(PlanError) -> ResolvedRelease {
        let resolved = try ResolvedRelease(files)
        guard resolved.hasSasl else {
            throw PlanError(
                code: .missingSasl,
                message: "release \(files.release.name)-\(files.release.version) has no 'sasl', so it cannot be "
                    + "upgraded or downgraded (the release handler is part of sasl)",
                application: "sasl",
                file: files.path
            )
        }
        return resolved
    }

    /// One relup entry: `foreach_baserel_up/7` or `foreach_baserel_dn/7` for one base release.
    private func entry(
        _ direction: Direction,
        top: ResolvedRelease,
        base: ResolvedRelease,
        warnings: inout [PlanWarning]
    ) throws(PlanError) -> [RelupInstruction] {
        var sources: [ScriptSource] = []
        var scripts = try appupScripts(direction, top: top, base: base, sources: &sources, warnings: &warnings)
        let (from, to) = direction == .up ? (base, top) : (top, base)
        var added: [[Step]] = []
        for application in to.spec.applications where from.spec.application(named: application.name) == nil {
            let source = ScriptSource(
                application: application.name,
                version: application.version,
                summary: "adding application '\(application.name)' (only release \(ScriptTranslator.name(to)) has it)"
            )
            added.append([
                Step(
                    written: .addApplication(application.name, type: application.effectiveType),
                    source: sources.count
                )
            ])
            sources.append(source)
        }
        scripts = added + scripts
        for application in from.spec.applications where to.spec.application(named: application.name) == nil {
            let source = ScriptSource(
                application: application.name,
                version: application.version,
                summary: "removing application '\(application.name)' (release \(ScriptTranslator.name(to)) "
                    + "does not have it)"
            )
            scripts.append([Step(written: .removeApplication(application.name), source: sources.count)])
            sources.append(source)
        }
        if top.spec.ertsVersion != base.spec.ertsVersion {
            sources.append(ScriptSource(summary: "the runtime change"))
            scripts.insert([Step(written: .lowLevel(.restartNewEmulator), source: sources.count - 1)], at: 0)
            let pair = { (release: ResolvedRelease) -> Term in
                .tuple([.string(release.spec.name), .string(release.spec.ertsVersion)])
            }
            warnings.append(
                PlanWarning(
                    code: .ertsVersionChanged,
                    message: "the runtime (erts) version changes from \(base.spec.ertsVersion) in release "
                        + "\(ScriptTranslator.name(base)) to \(top.spec.ertsVersion) in release "
                        + "\(ScriptTranslator.name(top)): the node restarts",
                    term: .tuple([.atom("erts_vsn_changed"), .tuple([pair(top), pair(base)])])
                )
            )
        }
        if options.restartEmulator {
            sources.append(ScriptSource(summary: "the restart_emulator option"))
            scripts.append([Step(written: .lowLevel(.restartEmulator), source: sources.count - 1)])
        }
        var translator = ScriptTranslator(
            direction: direction,
            applications: to,
            previousApplications: from,
            sources: sources
        )
        translator.ranks = ranks?(direction, base.spec.version)
        let instructions = try translator.translate(scripts)
        return direction == .up ? Self.fixPreR15Upgrade(instructions, base: base, warnings: &warnings) : instructions
    }

    /// `collect_appup_scripts/5`: the appup script of each application of `top` (in
    /// systools' order) whose version in `base` differs.
    private func appupScripts(
        _ direction: Direction,
        top: ResolvedRelease,
        base: ResolvedRelease,
        sources: inout [ScriptSource],
        warnings: inout [PlanWarning]
    ) throws(PlanError) -> [[Step]] {
        var scripts: [[Step]] = []
        for application in top.applications {
            guard let old = base.spec.application(named: application.name), old.version != application.version
            else { continue }
            let name = "\(application.name)-\(application.version)"
            guard let file = top.files.appups[application.name] else {
                throw PlanError(
                    code: .missingAppup,
                    message: "'\(application.name)' changes from \(old.version) to \(application.version) but has "
                        + "no appup (\(application.name).appup next to \(application.name).app)",
                    application: application.name,
                    version: application.version
                )
            }
            let appup: Appup
            switch file.contents {
            case .success(let contents): appup = contents
            case .failure(let problem):
                throw PlanError(
                    code: .unreadableAppup,
                    message: "cannot read the appup of \(name)",
                    application: application.name,
                    version: application.version,
                    file: file.path,
                    underlying: problem
                )
            }
            if appup.version != application.version {
                warnings.append(
                    PlanWarning(
                        code: .appupVersionMismatch,
                        message: "\(file.path) is for version \(appup.version) of '\(application.name)', "
                            + "but the release has version \(application.version)",
                        term: .tuple([
                            .atom("bad_vsn"), .tuple([.string(appup.version), .string(application.version)]),
                        ]),
                        application: application.name
                    )
                )
            }
            let (written, entries, way) =
                direction == .up
                ? (appup.upgradeInstructions(from: old.version), appup.upgrades, "upgrading from")
                : (appup.downgradeInstructions(to: old.version), appup.downgrades, "downgrading to")
            guard let written else {
                let known = entries.map { "\($0.version.term)" }
                throw PlanError(
                    code: .noRelup,
                    message: "the appup of \(name) has no entry for \(way) \(old.version) (its "
                        + "\(direction == .up ? "up" : "down") entries: "
                        + (known.isEmpty ? "none" : known.joined(separator: ", ")) + ")",
                    application: application.name,
                    version: application.version,
                    file: file.path
                )
            }
            let source = sources.count
            sources.append(
                ScriptSource(
                    application: application.name,
                    version: application.version,
                    file: file.path,
                    summary: "\(name)'s appup (\(way) \(old.version))"
                )
            )
            scripts.append(written.map { Step(written: $0, source: source) })
        }
        return scripts
    }

    /// `fix_r15_sasl_upgrade/3`: from a release whose sasl is older than 2.2 (compared
    /// as Erlang compares strings), the emulator restarts last, not first.
    private static func fixPreR15Upgrade(
        _ instructions: [RelupInstruction],
        base: ResolvedRelease,
        warnings: inout [PlanWarning]
    ) -> [RelupInstruction] {
        guard instructions.first == .restartNewEmulator,
            let sasl = base.spec.applications.first(where: { $0.name == "sasl" }),
            Term.string(sasl.version) < Term.string("2.2")
        else { return instructions }
        var rest = Array(instructions.dropFirst())
        if let index = rest.firstIndex(of: .restartEmulator) { rest.remove(at: index) }
        warnings.append(
            PlanWarning(
                code: .preR15EmulatorUpgrade,
                message: "release \(ScriptTranslator.name(base)) has sasl \(sasl.version), older than R15's: the "
                    + "emulator restarts at the end, so new code should be compiled for the old emulator",
                term: .atom("pre_R15_emulator_upgrade")
            )
        )
        return rest + [.restartNewEmulator]
    }
}
