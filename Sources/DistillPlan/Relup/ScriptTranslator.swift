//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

/// `systools_rc:translate_scripts/4`: the high-level scripts of one relup entry (one
/// per changed application, one per application that comes or goes, the runtime
/// restart) become one low-level script.
///
/// The steps, in systools' order, each with its checks:
/// 1. each script is split at its `point_of_no_return`; the parts before, then the
///    parts after, are concatenated (`load_object_code` found after moves before);
/// 2. the written `load`, `suspend`/`resume` and `stop`/`start` are checked;
/// 3. `add_application`, `remove_application`, `restart_application` and `add_module`
///    become module instructions and `apply`s;
/// 4. `update`, `load_module` and `delete_module` become `suspend`, `load`,
///    `code_change`, `resume`, ... in dependency order (``DependencyOrder``);
/// 5. `load_object_code` is merged per application, and emulator restarts sorted.
struct ScriptTranslator {
    let direction: Direction
    /// The applications of the release the entry goes to (systools' `Appls`).
    let applications: ResolvedRelease
    /// The applications of the release the entry comes from (`PreAppls`).
    let previousApplications: ResolvedRelease
    let sources: [ScriptSource]
    /// For tests: a rank per module that decides the order of modules that do not
    /// depend on each other (see ``DependencyOrder``).
    var ranks: [String: Int]?

    /// The low-level script for `scripts`.
    func translate(_ scripts: [[Step]]) throws(PlanError) -> [RelupInstruction] {
        var before: [Step] = []
        var after: [Step] = []
        for script in scripts {
            let (scriptBefore, scriptAfter) = try split(script)
            before += scriptBefore
            after += scriptAfter
        }
        try checkLoads(before: before, after: after)
        try checkSuspendResume(after)
        try checkStartStop(after)
        after = try expandApplicationInstructions(after)
        let (objectCode, translated) = try translateDependentInstructions(after)
        var written: [ObjectCode] = []
        var applies: [RelupInstruction] = []
        for step in before {
            if case .loadObjectCode(let application, let version, let modules) = step.lowLevel {
                written.append(ObjectCode(application: application, version: version, modules: modules))
            } else if let instruction = step.lowLevel {
                applies.append(instruction)
            }
        }
        let merged = try mergeLoadObjectCode(written + objectCode)
        return sortEmulatorRestart(before: merged + applies, after: translated)
    }

    // MARK: - Messages

    func source(of step: Step) -> ScriptSource { sources[step.source] }

    /// `{load_module, m} in foo 1.1's appup (upgrading from 1.0)`.
    func describe(_ step: Step) -> String {
        "\(step.written.term) in \(source(of: step).summary)"
    }

    func error(_ code: PlanError.Code, _ message: String, at step: Step) -> PlanError {
        let source = source(of: step)
        return PlanError(
            code: code,
            message: message,
            application: source.application,
            version: source.version,
            instruction: step.written.term,
            file: source.file
        )
    }

    static func quoted(_ names: [String]) -> String {
        names.map { "'\($0)'" }.joined(separator: ", ")
    }

    // MARK: - Split and merge

    /// `split_script/1`: the instructions before the script's `point_of_no_return` (only
    /// `load_object_code` and `apply` may be there) plus any `load_object_code` after it,
    /// and the other instructions after it. Without one, everything is after.
    private func split(_ script: [Step]) throws(PlanError) -> (before: [Step], after: [Step]) {
        var before: [Step] = []
        var rest = script[...]
        if let point = script.firstIndex(where: { $0.lowLevel == .pointOfNoReturn }) {
            if let second = script[(point + 1)...].first(where: { $0.lowLevel == .pointOfNoReturn }) {
                throw error(
                    .tooManyPointOfNoReturn,
                    "\(source(of: second).summary) has more than one point_of_no_return",
                    at: second
                )
            }
            before = Array(script[..<point])
            rest = script[(point + 1)...]
            for step in before {
                switch step.lowLevel {
                case .loadObjectCode, .apply: continue
                default:
                    throw error(
                        .badOpBeforePointOfNoReturn,
                        "\(describe(step)) comes before point_of_no_return, where only load_object_code "
                            + "and apply may be",
                        at: step
                    )
                }
            }
        }
        var after: [Step] = []
        for step in rest {
            if case .loadObjectCode = step.lowLevel { before.append(step) } else { after.append(step) }
        }
        return (before, after)
    }

    // MARK: - Checks of written low-level instructions

    /// `check_load/2`: a written `{load, {Mod, ...}}` needs a `load_object_code` for `Mod`.
    private func checkLoads(before: [Step], after: [Step]) throws(PlanError) {
        var readModules: Set<String> = []
        for step in before {
            if case .loadObjectCode(_, _, let modules) = step.lowLevel { readModules.formUnion(modules) }
        }
        for step in after {
            if case .load(let module, _, _) = step.lowLevel, !readModules.contains(module) {
                throw error(
                    .noObjectCode,
                    "\(describe(step)) loads '\(module)', but no load_object_code reads its code",
                    at: step
                )
            }
        }
    }

    /// `check_suspend_resume/1`: every written `suspend` has its `resume` and the other way
    /// round. (OTP's check of `code_change` against `suspend` matches no valid
    /// instruction, so it never fires; neither does ours.)
    private func checkSuspendResume(_ after: [Step]) throws(PlanError) {
        var suspended: [String] = []
        var resumed: [String] = []
        var firstSuspend: Step?
        var firstResume: Step?
        for step in after {
            switch step.lowLevel {
            case .suspend(let modules):
                suspended += modules.map(\.module)
                if firstSuspend == nil { firstSuspend = step }
            case .resume(let modules):
                resumed += modules
                if firstResume == nil { firstResume = step }
            default: continue
            }
        }
        let notResumed = ListOps.difference(suspended, resumed)
        if !notResumed.isEmpty, let step = firstSuspend {
            throw error(
                .suspendedNotResumed,
                "\(Self.quoted(notResumed)) suspended but never resumed (\(describe(step)))",
                at: step
            )
        }
        let notSuspended = ListOps.difference(resumed, suspended)
        if !notSuspended.isEmpty, let step = firstResume {
            throw error(
                .resumedNotSuspended,
                "\(Self.quoted(notSuspended)) resumed but never suspended (\(describe(step)))",
                at: step
            )
        }
    }

    /// `check_start_stop/1`: every written `start` has its `stop` and the other way round.
    private func checkStartStop(_ after: [Step]) throws(PlanError) {
        var started: [String] = []
        var stopped: [String] = []
        var firstStart: Step?
        var firstStop: Step?
        for step in after {
            switch step.lowLevel {
            case .start(let modules):
                started += modules
                if firstStart == nil { firstStart = step }
            case .stop(let modules):
                stopped += modules
                if firstStop == nil { firstStop = step }
            default: continue
            }
        }
        let notStopped = ListOps.difference(started, stopped)
        if !notStopped.isEmpty, let step = firstStart {
            throw error(
                .startNotStop,
                "\(Self.quoted(notStopped)) started but never stopped (\(describe(step)))",
                at: step
            )
        }
        let notStarted = ListOps.difference(stopped, started)
        if !notStarted.isEmpty, let step = firstStop {
            throw error(
                .stopNotStart,
                "\(Self.quoted(notStarted)) stopped but never started (\(describe(step)))",
                at: step
            )
        }
    }

    // MARK: - Application instructions

    /// `translate_application_instrs/3` and `translate_add_module_instrs/2`.
    private func expandApplicationInstructions(_ after: [Step]) throws(PlanError) -> [Step] {
        let needed = after.contains { step in
            switch step.instruction {
            case .addApplication, .removeApplication, .restartApplication, .addModule: true
            default: false
            }
        }
        guard needed else { return after }
        var result: [Step] = []
        result.reserveCapacity(after.count)
        func add(_ instruction: ExpandedAppupInstruction, like step: Step) {
            result.append(Step(instruction, source: step.source, written: step.written))
        }
        func call(_ function: String, _ arguments: [Term]) -> ExpandedAppupInstruction {
            .lowLevel(.apply(FunctionCall(module: "application", function: function, arguments: arguments)))
        }
        func start(_ application: String, _ type: ApplicationType) -> ExpandedAppupInstruction? {
            switch type {
            case .unloaded: nil
            case .load: call("load", [.atom(application)])
            default: call("start", [.atom(application), type.term])
            }
        }
        func removal(_ application: ResolvedApplication) -> [ExpandedAppupInstruction] {
            [call("stop", [.atom(application.name)])]
                + application.modules.map {
                    .lowLevel(.remove(module: $0, prePurge: .brutalPurge, postPurge: .brutalPurge))
                }
                + [.lowLevel(.purge(modules: application.modules))]
        }
        for step in after {
            switch step.instruction {
            case .addApplication(let name, let type):
                guard let application = applications.application(named: name) else {
                    throw noSuchApplication(name, at: step, in: applications)
                }
                for module in application.modules { add(.loadModule(ModuleLoad(module: module)), like: step) }
                if let start = start(name, type) { add(start, like: step) }
            case .removeApplication(let name):
                if applications.application(named: name) != nil {
                    throw error(
                        .removedApplicationPresent,
                        "\(describe(step)) removes '\(name)', but release \(Self.name(applications)) has it",
                        at: step
                    )
                }
                guard let application = previousApplications.application(named: name) else {
                    throw noSuchApplication(name, at: step, in: previousApplications)
                }
                for instruction in removal(application) { add(instruction, like: step) }
                add(call("unload", [.atom(name)]), like: step)
            case .restartApplication(let name):
                guard let old = previousApplications.application(named: name) else {
                    throw noSuchApplication(name, at: step, in: previousApplications)
                }
                guard let new = applications.application(named: name) else {
                    throw noSuchApplication(name, at: step, in: applications)
                }
                for instruction in removal(old) { add(instruction, like: step) }
                for module in new.modules { add(.loadModule(ModuleLoad(module: module)), like: step) }
                if let start = start(name, new.type) { add(start, like: step) }
            case .addModule(let module, let dependencies):
                add(.loadModule(ModuleLoad(module: module, dependencies: dependencies)), like: step)
            default:
                result.append(step)
            }
        }
        return result
    }

    private func noSuchApplication(_ name: String, at step: Step, in release: ResolvedRelease) -> PlanError {
        error(
            .noSuchApplication,
            "\(describe(step)) names application '\(name)', which release "
                + "\(Self.name(release)) does not have",
            at: step
        )
    }

    static func name(_ release: ResolvedRelease) -> String { "\(release.spec.name)-\(release.spec.version)" }

    // MARK: - Object code and emulator restarts

    /// `merge_load_object_code/1`: one `load_object_code` per application, where the
    /// first one for it was (the written ones come first, then those of the module
    /// instructions); its modules in `systools_rc`'s union order, which keeps each
    /// module where it last appears. The caller puts the `apply`s after them.
    func mergeLoadObjectCode(_ entries: [ObjectCode]) throws(PlanError) -> [RelupInstruction] {
        var groups: [[Int]] = []
        var groupIndex: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            if let group = groupIndex[entry.application] {
                groups[group].append(index)
            } else {
                groupIndex[entry.application] = groups.count
                groups.append([index])
            }
        }
        var merged: [RelupInstruction] = []
        merged.reserveCapacity(groups.count)
        for group in groups {
            let first = entries[group[0]]
            // systools checks the group from its end, so it reports the last other version.
            if let other = group.last(where: { entries[$0].version != first.version }) {
                throw PlanError(
                    code: .conflictingVersions,
                    message: "load_object_code reads two versions of '\(first.application)', \(first.version) and "
                        + "\(entries[other].version)",
                    application: first.application,
                    version: entries[other].version
                )
            }
            var last: [String: Int] = [:]
            last.reserveCapacity(group.count)
            for index in group { entries[index].forEachModule { last[$0] = index } }
            var modules: [String] = []
            modules.reserveCapacity(last.count)
            for index in group { entries[index].forEachModule { if last[$0] == index { modules.append($0) } } }
            merged.append(.loadObjectCode(application: first.application, version: first.version, modules: modules))
        }
        return merged
    }

    /// `sort_emulator_restart/3`: `restart_new_emulator` goes first on the way up and
    /// becomes a final `restart_emulator` on the way down; several `restart_emulator`
    /// become one at the end.
    private func sortEmulatorRestart(before: [RelupInstruction], after: [RelupInstruction]) -> [RelupInstruction] {
        var before = before
        var after = after
        if after.contains(.restartNewEmulator) {
            after.removeAll { $0 == .restartNewEmulator }
            switch direction {
            case .up: before.insert(.restartNewEmulator, at: 0)
            case .down: after.append(.restartEmulator)
            }
        }
        if after.contains(.restartEmulator) {
            after.removeAll { $0 == .restartEmulator }
            after.append(.restartEmulator)
        }
        return before + [.pointOfNoReturn] + after
    }
}
