//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// A high-level instruction of an appup script, kept as written: ``term`` gives back
/// the same form (`{load_module, M}` stays two elements). ``expanded`` gives the full
/// form `systools_rc` works on.
public enum AppupInstruction: Hashable, Sendable {
    /// `{update, ...}`: replace a module whose processes are suspended around the load
    /// (a server), in any of OTP's forms.
    case update(UpdateInstruction)
    /// `{load_module, ...}`: replace a module that has no processes of its own.
    case loadModule(LoadModuleInstruction)
    /// `{add_module, Mod}` (`dependencies` `nil`) or `{add_module, Mod, DepMods}`.
    case addModule(String, dependencies: [String]?)
    /// `{delete_module, Mod}` (`dependencies` `nil`) or `{delete_module, Mod, DepMods}`.
    case deleteModule(String, dependencies: [String]?)
    /// `{add_application, App}` (`type` `nil`: `permanent`) or `{add_application, App, Type}`.
    case addApplication(String, type: ApplicationType?)
    /// `{remove_application, App}`.
    case removeApplication(String)
    /// `{restart_application, App}`.
    case restartApplication(String)
    /// Any low-level instruction, among them `{apply, {M, F, A}}`,
    /// `restart_new_emulator` and `restart_emulator`.
    case lowLevel(RelupInstruction)
}

/// `{update, ...}` as written: one case per form OTP accepts. There is no five-element
/// form: OTP rejects `{update, M, Change, Pre, Post}` as a bad instruction.
public enum UpdateInstruction: Hashable, Sendable {
    /// `{update, Mod}`.
    case soft(module: String)
    /// `{update, Mod, supervisor}`: the module is a supervisor (`static`, `{advanced, []}`).
    case supervisor(module: String)
    /// `{update, Mod, Change}`.
    case change(module: String, UpdateChange)
    /// `{update, Mod, DepMods}`.
    case dependencies(module: String, [String])
    /// `{update, Mod, Change, DepMods}`.
    case changeAndDependencies(module: String, UpdateChange, dependencies: [String])
    /// `{update, Mod, Change, PrePurge, PostPurge, DepMods}`.
    case purges(
        module: String,
        UpdateChange,
        prePurge: PurgeMethod,
        postPurge: PurgeMethod,
        dependencies: [String]
    )
    /// `{update, Mod, Timeout, Change, PrePurge, PostPurge, DepMods}`.
    case timeout(
        module: String,
        UpgradeTimeout,
        UpdateChange,
        prePurge: PurgeMethod,
        postPurge: PurgeMethod,
        dependencies: [String]
    )
    /// `{update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}`.
    case full(ModuleUpdate)
}

/// The full form of `update`, `{update, Mod, ModType, Timeout, Change, PrePurge,
/// PostPurge, DepMods}`, with OTP's defaults for what a short form leaves out.
public struct ModuleUpdate: Hashable, Sendable {
    public var module: String
    /// `dynamic` unless the module is a supervisor.
    public var moduleType: ModuleType
    /// How long to wait for each process to suspend.
    public var timeout: UpgradeTimeout
    public var change: UpdateChange
    public var prePurge: PurgeMethod
    public var postPurge: PurgeMethod
    /// The modules this one depends on: they are loaded before it on upgrade.
    public var dependencies: [String]

    public init(
        module: String,
        moduleType: ModuleType = .dynamic,
        timeout: UpgradeTimeout = .default,
        change: UpdateChange = .soft,
        prePurge: PurgeMethod = .brutalPurge,
        postPurge: PurgeMethod = .brutalPurge,
        dependencies: [String] = []
    ) {
        self.module = module
        self.moduleType = moduleType
        self.timeout = timeout
        self.change = change
        self.prePurge = prePurge
        self.postPurge = postPurge
        self.dependencies = dependencies
    }

    /// The eight-element tuple.
    public var term: Term {
        .tuple([
            .atom("update"), .atom(module), moduleType.term, timeout.term, change.term, prePurge.term,
            postPurge.term, .list(dependencies.map(Term.atom)),
        ])
    }
}

/// `{load_module, ...}` as written.
public enum LoadModuleInstruction: Hashable, Sendable {
    /// `{load_module, Mod}`.
    case module(String)
    /// `{load_module, Mod, DepMods}`.
    case dependencies(String, [String])
    /// `{load_module, Mod, PrePurge, PostPurge, DepMods}`.
    case full(ModuleLoad)
}

/// The full form of `load_module`, `{load_module, Mod, PrePurge, PostPurge, DepMods}`.
public struct ModuleLoad: Hashable, Sendable {
    public var module: String
    public var prePurge: PurgeMethod
    public var postPurge: PurgeMethod
    /// The modules this one depends on: they are loaded before it on upgrade.
    public var dependencies: [String]

    public init(
        module: String,
        prePurge: PurgeMethod = .brutalPurge,
        postPurge: PurgeMethod = .brutalPurge,
        dependencies: [String] = []
    ) {
        self.module = module
        self.prePurge = prePurge
        self.postPurge = postPurge
        self.dependencies = dependencies
    }

    /// The five-element tuple.
    public var term: Term {
        .tuple([
            .atom("load_module"), .atom(module), prePurge.term, postPurge.term, .list(dependencies.map(Term.atom)),
        ])
    }
}

// MARK: - Expansion

/// An appup instruction in the full form `systools_rc` translates
/// (`expand_script` then `normalize_instrs`): every default filled in.
public enum ExpandedAppupInstruction: Hashable, Sendable {
    case update(ModuleUpdate)
    case loadModule(ModuleLoad)
    case addModule(String, dependencies: [String])
    case deleteModule(String, dependencies: [String])
    case addApplication(String, type: ApplicationType)
    case removeApplication(String)
    case restartApplication(String)
    case lowLevel(RelupInstruction)

    /// The full form as a term (`{add_module, M, DepMods}`, the eight-element `update`, ...).
    public var term: Term {
        switch self {
        case .update(let update): update.term
        case .loadModule(let load): load.term
        case .addModule(let module, let dependencies):
            .tuple([.atom("add_module"), .atom(module), .list(dependencies.map(Term.atom))])
        case .deleteModule(let module, let dependencies):
            .tuple([.atom("delete_module"), .atom(module), .list(dependencies.map(Term.atom))])
        case .addApplication(let application, let type):
            .tuple([.atom("add_application"), .atom(application), type.term])
        case .removeApplication(let application): .tuple([.atom("remove_application"), .atom(application)])
        case .restartApplication(let application): .tuple([.atom("restart_application"), .atom(application)])
        case .lowLevel(let instruction): instruction.term
        }
    }

    /// The module whose dependencies this instruction carries, for `update`,
    /// `load_module`, `add_module` and `delete_module` (OTP's dependent instructions).
    public var dependentModule: (module: String, dependencies: [String])? {
        switch self {
        case .update(let update): (update.module, update.dependencies)
        case .loadModule(let load): (load.module, load.dependencies)
        case .addModule(let module, let dependencies), .deleteModule(let module, let dependencies):
            (module, dependencies)
        default: nil
        }
    }
}

extension UpdateInstruction {
    /// The module updated.
    public var module: String { expanded.module }

    /// The full form, with OTP's defaults (REFERENCE.md's table; `systools_rc`).
    public var expanded: ModuleUpdate {
        switch self {
        case .soft(let module):
            ModuleUpdate(module: module)
        case .supervisor(let module):
            ModuleUpdate(module: module, moduleType: .static, change: .advanced(.nil))
        case .change(let module, let change):
            ModuleUpdate(module: module, change: change)
        case .dependencies(let module, let dependencies):
            ModuleUpdate(module: module, dependencies: dependencies)
        case .changeAndDependencies(let module, let change, let dependencies):
            ModuleUpdate(module: module, change: change, dependencies: dependencies)
        case .purges(let module, let change, let prePurge, let postPurge, let dependencies):
            ModuleUpdate(
                module: module,
                change: change,
                prePurge: prePurge,
                postPurge: postPurge,
                dependencies: dependencies
            )
        case .timeout(let module, let timeout, let change, let prePurge, let postPurge, let dependencies):
            ModuleUpdate(
                module: module,
                timeout: timeout,
                change: change,
                prePurge: prePurge,
                postPurge: postPurge,
                dependencies: dependencies
            )
        case .full(let update):
            update
        }
    }
}

extension LoadModuleInstruction {
    /// The module loaded.
    public var module: String { expanded.module }

    /// The full form, `brutal_purge` and no dependencies unless written.
    public var expanded: ModuleLoad {
        switch self {
        case .module(let module): ModuleLoad(module: module)
        case .dependencies(let module, let dependencies): ModuleLoad(module: module, dependencies: dependencies)
        case .full(let load): load
        }
    }
}

extension AppupInstruction {
    /// The full form, as `systools_rc` expands it before translating.
    public var expanded: ExpandedAppupInstruction {
        switch self {
        case .update(let update): .update(update.expanded)
        case .loadModule(let load): .loadModule(load.expanded)
        case .addModule(let module, let dependencies): .addModule(module, dependencies: dependencies ?? [])
        case .deleteModule(let module, let dependencies): .deleteModule(module, dependencies: dependencies ?? [])
        case .addApplication(let application, let type): .addApplication(application, type: type ?? .permanent)
        case .removeApplication(let application): .removeApplication(application)
        case .restartApplication(let application): .restartApplication(application)
        case .lowLevel(let instruction): .lowLevel(instruction)
        }
    }
}
