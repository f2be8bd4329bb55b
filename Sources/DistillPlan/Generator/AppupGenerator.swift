//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import DistillTerm

/// The appup generator: two ``BuildSnapshot``s of one application in, its appup out.
///
/// Rules, from the old build to the new (the up script; the down script mirrors it):
/// - a module only in the new build: `{add_module, M}` (`{add_module, M, DepMods}` if it
///   references changed modules); only in the old: `{delete_module, M}`;
/// - a library whose code changed: `{load_module, M, DepMods}`;
/// - a server whose code changed and whose `vsn` did not: `{update, M, DepMods}`, a soft
///   update (its processes are suspended, the code switched, and they resume with the
///   same state, which crosses as a Term);
/// - a server whose `vsn` changed: `{update, M, {advanced, []}, DepMods}`, so each
///   process's `codeChange` converts the old state;
/// - a supervisor that changed: `{update, M, supervisor}` (the long form when it has DepMods);
/// - DepMods of `M`: the modules `M`'s code references that have an instruction in the
///   same script (so they are loaded before `M` on the way up); for a server or
///   supervisor, also the changed libraries it reaches through other libraries;
/// - the down script mirrors the up script: an added module is deleted, a deleted one
///   added, an advanced update stays advanced; its DepMods follow the old build's
///   references, since the old code is what it loads.
///
/// Why a server whose own code did not change is updated anyway: an application is one
/// `.so` image, a process runs its server type's code from one image, and a library
/// type's code is compiled into the image of the servers that call it. A server that
/// references a changed library, directly or through other libraries of the
/// application, sees the new library code only once it switches to the new image, so
/// it is updated (softly, unless its `vsn` changed) with the changed libraries among
/// its DepMods. References to other servers and supervisors do not count: those are
/// other processes, reached by messages or by name, and switch on their own.
///
/// Instructions are written added modules first, then libraries, soft updates, advanced
/// updates, supervisors, and deleted modules last, each group by name.
///
/// Errors: the application's code changed but its version did not
/// (``PlanError/Code/codeChangedWithoutVersion``); a server's `State` changed shape but
/// its `vsn` did not (``PlanError/Code/stateChangedWithoutVsn``); a module changed kind
/// (``PlanError/Code/moduleKindChanged``). If only the version changed, the scripts are
/// empty; if nothing changed at all, no appup is needed.
public struct AppupGenerator: Sendable {
    public init() {}

    /// The appup that upgrades `old`'s application to `new` and back.
    public func generate(from old: BuildSnapshot, to new: BuildSnapshot) throws(PlanError) -> GeneratedAppup {
        let diff = try SnapshotDiff(old, new)
        try diff.checkVersions()
        try diff.checkKinds()
        try diff.checkStates()
        var warnings: [PlanWarning] = []
        if diff.runtimeChanged { warnings.append(PlanWarning.runtimeChanged(old, new)) }
        guard old.version != new.version else {
            return GeneratedAppup(appup: nil, changes: diff.changes, warnings: warnings)
        }
        let appup = Appup(
            version: new.version,
            upgrades: [Appup.Entry(version: .exact(old.version), instructions: diff.script(.up))],
            downgrades: [Appup.Entry(version: .exact(old.version), instructions: diff.script(.down))]
        )
        return GeneratedAppup(appup: appup, changes: diff.changes, warnings: warnings)
    }
}

/// What ``AppupGenerator`` made of two builds.
public struct GeneratedAppup: Hashable, Sendable {
    /// The appup, or `nil` when the application did not change at all (same version,
    /// same code): the relup compiler needs no appup for it.
    public var appup: Appup?
    /// What changed, module by module.
    public var changes: ModuleChanges
    public var warnings: [PlanWarning]

    public init(appup: Appup?, changes: ModuleChanges, warnings: [PlanWarning]) {
        self.appup = appup
        self.changes = changes
        self.warnings = warnings
    }
}

/// What changed in one application between two builds, as the up script handles it.
public struct ModuleChanges: Hashable, Sendable {
    /// Modules only in the new build (`add_module`).
    public var added: [String] = []
    /// Modules only in the old build (`delete_module`).
    public var deleted: [String] = []
    /// Libraries whose code changed (`load_module`).
    public var loaded: [String] = []
    /// Servers updated with their state as it is (`{update, M, DepMods}`).
    public var softUpdated: [String] = []
    /// Servers whose `vsn` changed (`{update, M, {advanced, []}, DepMods}`).
    public var advancedUpdated: [String] = []
    /// Supervisors (`{update, M, supervisor}`).
    public var supervisorUpdated: [String] = []
    /// Servers whose `State` changed shape (with their `vsn`).
    public var stateChanges: [StateChange] = []

    public init() {}

    /// Whether no module changed.
    public var isEmpty: Bool {
        added.isEmpty && deleted.isEmpty && loaded.isEmpty && softUpdated.isEmpty && advancedUpdated.isEmpty
            && supervisorUpdated.isEmpty
    }
}

extension PlanWarning {
    static func runtimeChanged(_ old: BuildSnapshot, _ new: BuildSnapshot) -> PlanWarning {
        PlanWarning(
            code: .runtimeChanged,
            message: "'\(new.application)' \(new.version) is built against another runtime than \(old.version) "
                + "(\(old.runtimeFingerprint) → \(new.runtimeFingerprint)): the upgrade restarts the node "
                + "(restart_new_emulator) instead of switching code in place",
            application: new.application
        )
    }
}

// MARK: - The diff

/// The module-by-module comparison of two builds that the generator and the hand-written
/// appup check share.
struct SnapshotDiff {
    let old: BuildSnapshot
    let new: BuildSnapshot
    private let oldModules: [String: ModuleSnapshot]
    private let newModules: [String: ModuleSnapshot]
    /// Modules only in `new`, only in `old`, and in both with other code (fingerprint or vsn).
    let added: [String]
    let deleted: [String]
    let codeChanged: [String]
    /// Servers and supervisors updated because of their code or a library they reach.
    let updated: Set<String>

    var runtimeChanged: Bool { old.runtimeFingerprint != new.runtimeFingerprint }

    init(_ old: BuildSnapshot, _ new: BuildSnapshot) throws(PlanError) {
        guard old.application == new.application else {
            throw PlanError(
                code: .invalidSnapshot,
                message: "cannot compare a build of '\(old.application)' with a build of '\(new.application)'",
                application: new.application
            )
        }
        self.old = old
        self.new = new
        var oldModules: [String: ModuleSnapshot] = [:]
        var newModules: [String: ModuleSnapshot] = [:]
        for (snapshot, table) in [(old, 0), (new, 1)] {
            var modules: [String: ModuleSnapshot] = [:]
            for module in snapshot.modules {
                guard modules[module.name] == nil else {
                    throw PlanError(
                        code: .invalidSnapshot,
                        message: "the build of '\(snapshot.application)' \(snapshot.version) lists module "
                            + "'\(module.name)' twice",
                        application: snapshot.application,
                        version: snapshot.version
                    )
                }
                modules[module.name] = module
            }
            if table == 0 { oldModules = modules } else { newModules = modules }
        }
        self.oldModules = oldModules
        self.newModules = newModules
        added = newModules.keys.filter { oldModules[$0] == nil }.sorted()
        deleted = oldModules.keys.filter { newModules[$0] == nil }.sorted()
        codeChanged = newModules.values.compactMap { module -> String? in
            guard let before = oldModules[module.name] else { return nil }
            return before.fingerprint != module.fingerprint || before.vsn != module.vsn
                || before.kind != module.kind ? module.name : nil
        }.sorted()
        // Libraries whose new code differs from the old image's: changed or added.
        let changedLibraries = Set((codeChanged + added).filter { newModules[$0]?.kind == .library })
        var updated = Set<String>()
        for module in newModules.values where module.kind != .library && oldModules[module.name] != nil {
            if codeChanged.contains(module.name)
                || !Self.librariesReached(from: module, in: newModules).isDisjoint(with: changedLibraries)
            {
                updated.insert(module.name)
            }
        }
        self.updated = updated
    }

    /// The libraries `module`'s code reaches: those it references, and those they
    /// reference, through libraries only.
    static func librariesReached(from module: ModuleSnapshot, in modules: [String: ModuleSnapshot]) -> Set<String> {
        var reached = Set<String>()
        var pending = module.references
        while let name = pending.popLast() {
            guard let target = modules[name], target.kind == .library, reached.insert(name).inserted else { continue }
            pending += target.references
        }
        return reached
    }

    /// Every module added, deleted or changed (for messages).
    var anyChange: [String] { (added + deleted + codeChanged).sorted() }

    func checkVersions() throws(PlanError) {
        guard old.version == new.version, !anyChange.isEmpty else { return }
        let modules = anyChange
        throw PlanError(
            code: .codeChangedWithoutVersion,
            message: "'\(new.application)' is still version \(new.version) but its code changed ("
                + "\(modules.count == 1 ? "module" : "modules") \(Self.quoted(modules))): give it a new version",
            application: new.application,
            version: new.version
        )
    }

    func checkKinds() throws(PlanError) {
        for name in codeChanged {
            guard let before = oldModules[name], let after = newModules[name], before.kind != after.kind else {
                continue
            }
            throw PlanError(
                code: .moduleKindChanged,
                message: "module '\(name)' is a \(before.kind.rawValue) in \(old.version) and a "
                    + "\(after.kind.rawValue) in \(new.version): a hot upgrade cannot change a module's kind; rename "
                    + "the type, or write rel/appups/\(new.application)/\(old.version)_to_\(new.version).appup",
                application: new.application,
                version: new.version
            )
        }
    }

    /// The servers whose `State` changed shape, with or without a `vsn` bump.
    var stateChanges: [StateChange] {
        codeChanged.compactMap { name -> StateChange? in
            guard let before = oldModules[name], let after = newModules[name], before.kind == .server,
                after.kind == .server, let oldState = before.state, let newState = after.state
            else { return nil }
            let fields = oldState.changes(to: newState)
            return fields.isEmpty
                ? nil : StateChange(module: name, oldVsn: before.vsn, newVsn: after.vsn, fields: fields)
        }
    }

    func checkStates() throws(PlanError) {
        let unbumped = stateChanges.filter { $0.oldVsn == $0.newVsn }
        guard let first = unbumped.first else { return }
        let sentences = unbumped.map { change in
            let vsn = change.newVsn.map { "still \($0)" } ?? "not declared"
            return "\(change) but \(change.module).vsn is \(vsn): bump it and handle the old state in codeChange"
        }
        throw PlanError(
            code: .stateChangedWithoutVsn,
            message: sentences.joined(separator: "; "),
            application: new.application,
            version: new.version,
            instruction: .atom(first.module)
        )
    }

    var changes: ModuleChanges {
        var changes = ModuleChanges()
        changes.added = added
        changes.deleted = deleted
        changes.loaded = codeChanged.filter { newModules[$0]?.kind == .library }
        for name in updated.sorted() {
            switch update(name) {
            case .soft: changes.softUpdated.append(name)
            case .advanced: changes.advancedUpdated.append(name)
            case .supervisor: changes.supervisorUpdated.append(name)
            }
        }
        changes.stateChanges = stateChanges
        return changes
    }

    enum Update { case soft, advanced, supervisor }

    func update(_ name: String) -> Update {
        guard let after = newModules[name], after.kind != .supervisor else { return .supervisor }
        return oldModules[name]?.vsn != after.vsn ? .advanced : .soft
    }

    // MARK: Scripts

    /// The up or down script.
    func script(_ direction: Direction) -> [AppupInstruction] {
        let up = direction == .up
        let (adds, deletes) = up ? (added, deleted) : (deleted, added)
        let target = up ? newModules : oldModules
        let libraries = codeChanged.filter { newModules[$0]?.kind == .library }
        let instructed = Set(adds + libraries + updated)
        // Libraries whose code in the image loaded differs from the image left.
        let changedLibraries = Set((codeChanged + adds).filter { target[$0]?.kind == .library })
        func dependencies(_ name: String) -> [String] {
            guard let module = target[name] else { return [] }
            var result = Set(module.references.filter { instructed.contains($0) })
            if module.kind != .library {
                result.formUnion(Self.librariesReached(from: module, in: target).intersection(changedLibraries))
            }
            result.remove(name)
            return result.sorted()
        }
        var script: [AppupInstruction] = []
        for name in adds {
            let dependencies = dependencies(name)
            script.append(.addModule(name, dependencies: dependencies.isEmpty ? nil : dependencies))
        }
        for name in libraries { script.append(.loadModule(.dependencies(name, dependencies(name)))) }
        let updates = updated.sorted()
        for name in updates where update(name) == .soft {
            script.append(.update(.dependencies(module: name, dependencies(name))))
        }
        for name in updates where update(name) == .advanced {
            script.append(
                .update(.changeAndDependencies(module: name, .advanced(.nil), dependencies: dependencies(name)))
            )
        }
        for name in updates where update(name) == .supervisor {
            let dependencies = dependencies(name)
            script.append(
                .update(
                    dependencies.isEmpty
                        ? .supervisor(module: name)
                        : .full(
                            ModuleUpdate(
                                module: name,
                                moduleType: .static,
                                change: .advanced(.nil),
                                dependencies: dependencies
                            )
                        )
                )
            )
        }
        for name in deletes { script.append(.deleteModule(name, dependencies: nil)) }
        return script
    }

    static func quoted(_ names: [String]) -> String {
        StateChange.sentence(names.map { "'\($0)'" })
    }
}
