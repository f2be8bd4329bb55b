//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

extension AppupInstruction {
    /// The high-level instruction names, for "did you mean".
    static let names = [
        "update", "load_module", "add_module", "delete_module", "add_application", "remove_application",
        "restart_application",
    ]

    /// The instruction as written.
    public var term: Term {
        func modules(_ names: [String]) -> Term { .list(names.map(Term.atom)) }
        switch self {
        case .update(let update): return update.term
        case .loadModule(let load): return load.term
        case .addModule(let module, let dependencies):
            return .tuple([.atom("add_module"), .atom(module)] + (dependencies.map { [modules($0)] } ?? []))
        case .deleteModule(let module, let dependencies):
            return .tuple([.atom("delete_module"), .atom(module)] + (dependencies.map { [modules($0)] } ?? []))
        case .addApplication(let application, let type):
            return .tuple([.atom("add_application"), .atom(application)] + (type.map { [$0.term] } ?? []))
        case .removeApplication(let application): return .tuple([.atom("remove_application"), .atom(application)])
        case .restartApplication(let application): return .tuple([.atom("restart_application"), .atom(application)])
        case .lowLevel(let instruction): return instruction.term
        }
    }

    /// Decodes an appup instruction read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file, Self.init(node:))
    }

    init(node: Node) throws(ReleaseFileError) {
        let name: String
        switch node.term {
        case .tuple(let elements):
            guard case .atom(let tag) = elements.first else { throw InstructionName.unknown(node, appup: true) }
            name = tag
        case .atom(let atom):
            name = atom
        default:
            throw InstructionName.unknown(node, appup: true)
        }
        guard Self.names.contains(name) else {
            guard let instruction = try RelupInstruction(node: node) else {
                throw InstructionName.unknown(node, appup: true)
            }
            self = .lowLevel(instruction)
            return
        }
        let parts = Array(node.parts.dropFirst())
        func arity(_ counts: ClosedRange<Int>, forms: String) throws(ReleaseFileError) {
            guard counts.contains(parts.count) else { throw InstructionName.wrongArity(node, name: name, forms: forms) }
        }
        switch name {
        case "update":
            self = .update(try UpdateInstruction(node: node, parts: parts))
        case "load_module":
            self = .loadModule(try LoadModuleInstruction(node: node, parts: parts))
        case "add_module", "delete_module":
            try arity(1...2, forms: "{\(name), Mod} or {\(name), Mod, DepMods}")
            let module = try parts[0].atom("the module of \(name)")
            let dependencies = parts.count == 2 ? try parts[1].modules("the dependencies of \(module)") : nil
            self =
                name == "add_module"
                ? .addModule(module, dependencies: dependencies) : .deleteModule(module, dependencies: dependencies)
        case "add_application":
            try arity(1...2, forms: "{add_application, App} or {add_application, App, Type}")
            let application = try parts[0].atom("the application of add_application")
            let type = parts.count == 2 ? try parts[1].oneOf("the start type", ApplicationType.self) : nil
            self = .addApplication(application, type: type)
        default:
            try arity(1...1, forms: "{\(name), App}")
            let application = try parts[0].atom("the application of \(name)")
            self = name == "remove_application" ? .removeApplication(application) : .restartApplication(application)
        }
    }
}

extension UpdateInstruction {
    /// The forms, for an arity error.
    static let forms = """
        {update, Mod}, {update, Mod, supervisor | Change | DepMods}, {update, Mod, Change, DepMods}, \
        {update, Mod, Change, PrePurge, PostPurge, DepMods}, \
        {update, Mod, Timeout, Change, PrePurge, PostPurge, DepMods} \
        or {update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}
        """

    /// The instruction as written.
    public var term: Term {
        func modules(_ names: [String]) -> Term { .list(names.map(Term.atom)) }
        func update(_ elements: Term...) -> Term { .tuple([.atom("update")] + elements) }
        switch self {
        case .soft(let module): return update(.atom(module))
        case .supervisor(let module): return update(.atom(module), .atom("supervisor"))
        case .change(let module, let change): return update(.atom(module), change.term)
        case .dependencies(let module, let dependencies): return update(.atom(module), modules(dependencies))
        case .changeAndDependencies(let module, let change, let dependencies):
            return update(.atom(module), change.term, modules(dependencies))
        case .purges(let module, let change, let prePurge, let postPurge, let dependencies):
            return update(.atom(module), change.term, prePurge.term, postPurge.term, modules(dependencies))
        case .timeout(let module, let timeout, let change, let prePurge, let postPurge, let dependencies):
            return update(
                .atom(module),
                timeout.term,
                change.term,
                prePurge.term,
                postPurge.term,
                modules(dependencies)
            )
        case .full(let full): return full.term
        }
    }

    /// Decodes `{update, ...}` whose elements after the tag are `parts`.
    init(node: Node, parts: [Node]) throws(ReleaseFileError) {
        guard [1, 2, 3, 5, 6, 7].contains(parts.count) else {
            throw InstructionName.wrongArity(node, name: "update", forms: Self.forms)
        }
        let module = try parts[0].atom("the module of update")
        func dependencies(_ node: Node) throws(ReleaseFileError) -> [String] {
            try node.modules("the dependencies of \(module)")
        }
        func purges(_ pre: Node, _ post: Node) throws(ReleaseFileError) -> (PurgeMethod, PurgeMethod) {
            (
                try pre.oneOf("the pre-purge method", PurgeMethod.self),
                try post.oneOf("the post-purge method", PurgeMethod.self)
            )
        }
        switch parts.count {
        case 1:
            self = .soft(module: module)
        case 2:
            // OTP's order: supervisor, a change (soft or any tuple), then a dependency list.
            let third = parts[1]
            if third.term == .atom("supervisor") {
                self = .supervisor(module: module)
            } else if UpdateChange.looksLikeChange(third.term) {
                self = .change(module: module, try UpdateChange(node: third))
            } else if third.term.listElements != nil {
                self = .dependencies(module: module, try dependencies(third))
            } else {
                let suggestion = third.term.atomValue.map { Suggestion.didYouMean($0, among: ["supervisor", "soft"]) }
                throw third.error(
                    .invalidValue,
                    "the third element of update must be supervisor, soft, {advanced, Extra} or a list of "
                        + "modules, found \(third.snippet)\(suggestion ?? "")"
                )
            }
        case 3:
            let change = try UpdateChange(node: parts[1])
            self = .changeAndDependencies(module: module, change, dependencies: try dependencies(parts[2]))
        case 5:
            let change = try UpdateChange(node: parts[1])
            let (prePurge, postPurge) = try purges(parts[2], parts[3])
            self = .purges(
                module: module,
                change,
                prePurge: prePurge,
                postPurge: postPurge,
                dependencies: try dependencies(parts[4])
            )
        case 6:
            let timeout = try UpgradeTimeout(node: parts[1])
            let change = try UpdateChange(node: parts[2])
            let (prePurge, postPurge) = try purges(parts[3], parts[4])
            self = .timeout(
                module: module,
                timeout,
                change,
                prePurge: prePurge,
                postPurge: postPurge,
                dependencies: try dependencies(parts[5])
            )
        default:
            let moduleType = try parts[1].oneOf("the module type", ModuleType.self)
            let timeout = try UpgradeTimeout(node: parts[2])
            let change = try UpdateChange(node: parts[3])
            let (prePurge, postPurge) = try purges(parts[4], parts[5])
            self = .full(
                ModuleUpdate(
                    module: module,
                    moduleType: moduleType,
                    timeout: timeout,
                    change: change,
                    prePurge: prePurge,
                    postPurge: postPurge,
                    dependencies: try dependencies(parts[6])
                )
            )
        }
    }
}

extension LoadModuleInstruction {
    /// The instruction as written.
    public var term: Term {
        switch self {
        case .module(let module): .tuple([.atom("load_module"), .atom(module)])
        case .dependencies(let module, let dependencies):
            .tuple([.atom("load_module"), .atom(module), .list(dependencies.map(Term.atom))])
        case .full(let load): load.term
        }
    }

    /// Decodes `{load_module, ...}` whose elements after the tag are `parts`.
    init(node: Node, parts: [Node]) throws(ReleaseFileError) {
        guard [1, 2, 4].contains(parts.count) else {
            throw InstructionName.wrongArity(
                node,
                name: "load_module",
                forms:
                    "{load_module, Mod}, {load_module, Mod, DepMods} or "
                    + "{load_module, Mod, PrePurge, PostPurge, DepMods}"
            )
        }
        let module = try parts[0].atom("the module of load_module")
        switch parts.count {
        case 1:
            self = .module(module)
        case 2:
            self = .dependencies(module, try parts[1].modules("the dependencies of \(module)"))
        default:
            self = .full(
                ModuleLoad(
                    module: module,
                    prePurge: try parts[1].oneOf("the pre-purge method", PurgeMethod.self),
                    postPurge: try parts[2].oneOf("the post-purge method", PurgeMethod.self),
                    dependencies: try parts[3].modules("the dependencies of \(module)")
                )
            )
        }
    }
}
