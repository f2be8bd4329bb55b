//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease

/// A hand-written appup, `rel/appups/APP/FROM_to_TO.appup`, which replaces the generated
/// one: checked against the two builds it upgrades between.
///
/// It must be for the new version, have an up and a down entry for the old version, and
/// every module it names must exist in the right build: what it adds, loads or updates in
/// the build the script goes to, what it deletes only in the build the script comes
/// from; each DepMod must have an instruction in the same script; `load_object_code`
/// must name this application and the version gone to. Errors are
/// ``PlanError/Code/invalidAppup``.
///
/// Warnings, for what is allowed but probably wrong: a changed module the script does
/// not mention, an `update` of a library, `{update, M, supervisor}` of a module that is
/// not a supervisor, a soft update of a server whose `vsn` changed (its `codeChange`
/// would not run).
public enum HandWrittenAppup {
    /// Checks `file` as the appup from `old` to `new`; returns its warnings.
    public static func check(
        _ file: AppupFile,
        from old: BuildSnapshot,
        to new: BuildSnapshot
    ) throws(PlanError) -> [PlanWarning] {
        let appup: Appup
        switch file.contents {
        case .success(let contents): appup = contents
        case .failure(let problem):
            throw PlanError(
                code: .unreadableAppup,
                message: "cannot read the hand-written appup of '\(new.application)'",
                application: new.application,
                version: new.version,
                file: file.path,
                underlying: problem
            )
        }
        let checker = Checker(file: file.path, old: old, new: new, diff: try SnapshotDiff(old, new))
        guard appup.version == new.version else {
            throw checker.error("is for version \(appup.version), but '\(new.application)' is \(new.version)")
        }
        guard let up = appup.upgradeInstructions(from: old.version) else {
            throw checker.error("has no up entry for \(old.version)")
        }
        guard let down = appup.downgradeInstructions(to: old.version) else {
            throw checker.error("has no down entry for \(old.version)")
        }
        var warnings = try checker.check(up, direction: .up)
        warnings += try checker.check(down, direction: .down)
        return warnings
    }

    private struct Checker {
        let file: String
        let old: BuildSnapshot
        let new: BuildSnapshot
        let diff: SnapshotDiff

        func error(_ message: String, instruction: AppupInstruction? = nil) -> PlanError {
            PlanError(
                code: .invalidAppup,
                message: "the hand-written appup of '\(new.application)' \(message)",
                application: new.application,
                version: new.version,
                instruction: instruction?.term,
                file: file
            )
        }

        func warning(_ message: String) -> PlanWarning {
            PlanWarning(code: .handWrittenAppup, message: "\(file): \(message)", application: new.application)
        }

        func check(_ script: [AppupInstruction], direction: Direction) throws(PlanError) -> [PlanWarning] {
            let (source, target) = direction == .up ? (old, new) : (new, old)
            let way = direction == .up ? "up" : "down"
            var warnings: [PlanWarning] = []
            var instructed = Set<String>()
            for instruction in script {
                if let (module, _) = instruction.expanded.dependentModule { instructed.insert(module) }
            }
            func need(_ module: String, in build: BuildSnapshot, _ instruction: AppupInstruction) throws(PlanError) {
                guard build.module(named: module) == nil else { return }
                throw error(
                    "\(way) script: \(instruction.term) names module '\(module)', which version \(build.version) "
                        + "does not have",
                    instruction: instruction
                )
            }
            for instruction in script {
                let expanded = instruction.expanded
                if let (module, dependencies) = expanded.dependentModule {
                    for dependency in dependencies where !instructed.contains(dependency) {
                        throw error(
                            "\(way) script: \(instruction.term) depends on '\(dependency)', which has no instruction "
                                + "in the script",
                            instruction: instruction
                        )
                    }
                    if case .deleteModule = expanded {
                        try need(module, in: source, instruction)
                        if target.module(named: module) != nil {
                            throw error(
                                "\(way) script: \(instruction.term) deletes '\(module)', which version "
                                    + "\(target.version) still has",
                                instruction: instruction
                            )
                        }
                        continue
                    }
                    try need(module, in: target, instruction)
                }
                switch expanded {
                case .update(let update):
                    guard let module = target.module(named: update.module) else { continue }
                    if module.kind == .library {
                        warnings.append(
                            warning(
                                "\(way) script updates library '\(update.module)', which has no processes: "
                                    + "load_module is enough"
                            )
                        )
                    } else if case .supervisor = instruction.updateForm, module.kind != .supervisor {
                        warnings.append(
                            warning("\(way) script updates '\(update.module)' as a supervisor, but it is a server")
                        )
                    }
                    if update.change == .soft, module.kind == .server,
                        source.module(named: update.module)?.vsn != module.vsn
                    {
                        warnings.append(
                            warning(
                                "\(way) script updates '\(update.module)' softly, but its vsn changed: its codeChange "
                                    + "will not run"
                            )
                        )
                    }
                case .lowLevel(let low):
                    try checkLowLevel(low, instruction, source: source, target: target, way: way)
                default:
                    continue
                }
            }
            let named = Set(script.flatMap(\.modulesNamed))
            for module in Set(diff.anyChange).union(diff.updated).sorted() where !named.contains(module) {
                let why = diff.anyChange.contains(module) ? "which changed" : "whose libraries changed"
                warnings.append(
                    warning(
                        "\(way) script does not mention '\(module)', \(why) between \(old.version) and \(new.version)"
                    )
                )
            }
            return warnings
        }

        private func checkLowLevel(
            _ low: RelupInstruction,
            _ instruction: AppupInstruction,
            source: BuildSnapshot,
            target: BuildSnapshot,
            way: String
        ) throws(PlanError) {
            func need(_ modules: [String], in builds: [BuildSnapshot]) throws(PlanError) {
                for module in modules where !builds.contains(where: { $0.module(named: module) != nil }) {
                    throw error(
                        "\(way) script: \(instruction.term) names module '\(module)', which version "
                            + "\(builds.map(\.version).joined(separator: " or ")) does not have",
                        instruction: instruction
                    )
                }
            }
            switch low {
            case .loadObjectCode(let application, let version, let modules):
                guard application == new.application, version == target.version else {
                    throw error(
                        "\(way) script: \(instruction.term) must read '\(new.application)' \(target.version)",
                        instruction: instruction
                    )
                }
                try need(modules, in: [target])
            case .load(let module, _, _): try need([module], in: [target])
            case .remove(let module, _, _): try need([module], in: [source])
            case .purge(let modules): try need(modules, in: [source])
            case .suspend(let modules): try need(modules.map(\.module), in: [source, target])
            case .resume(let modules), .stop(let modules), .start(let modules): try need(modules, in: [source, target])
            case .codeChange(_, let changes): try need(changes.map(\.module), in: [source, target])
            default: return
            }
        }
    }
}

extension AppupInstruction {
    /// For an `update`, the form it was written in.
    var updateForm: UpdateInstruction? {
        if case .update(let form) = self { return form }
        return nil
    }

    /// The modules this instruction is about (not its DepMods).
    var modulesNamed: [String] {
        if let (module, _) = expanded.dependentModule { return [module] }
        guard case .lowLevel(let low) = self else { return [] }
        switch low {
        case .loadObjectCode(_, _, let modules), .purge(let modules), .resume(let modules), .stop(let modules),
            .start(let modules):
            return modules
        case .load(let module, _, _), .remove(let module, _, _): return [module]
        case .suspend(let modules): return modules.map(\.module)
        case .codeChange(_, let changes): return changes.map(\.module)
        default: return []
        }
    }
}
