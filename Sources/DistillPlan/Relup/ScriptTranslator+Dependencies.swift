//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

/// One `load_object_code` before ``ScriptTranslator/mergeLoadObjectCode(_:)``: a written
/// one, or the one `systools_rc` makes for each module it loads.
struct ObjectCode {
    var application: String
    var version: String
    /// The written modules, or the one module loaded.
    var modules: [String]
    var module: String?

    /// Calls `body` with each module, in order.
    func forEachModule(_ body: (String) -> Void) {
        if let module { body(module) }
        for module in modules { body(module) }
    }
}

extension ScriptTranslator {
    /// `translate_dependent_instrs/4`: the `update`, `load_module` and `delete_module`
    /// instructions, one weakly connected component of the dependency graph at a time
    /// (where its first instruction is), become low-level instructions; the others stay
    /// where they are. Returns the `load_object_code` instructions and the new script.
    func translateDependentInstructions(
        _ after: [Step]
    ) throws(PlanError) -> (objectCode: [ObjectCode], script: [RelupInstruction]) {
        // make_dependency_graph/1: one vertex per module, in written order.
        var stepOf: [Int] = []
        var modules: [String] = []
        var vertexOf: [String: Int] = [:]
        vertexOf.reserveCapacity(after.count)
        var vertexAtStep = [Int](repeating: -1, count: after.count)
        for (index, step) in after.enumerated() {
            guard let module = step.instruction.dependentModule?.module else { continue }
            if let first = vertexOf[module] {
                throw error(
                    .muldefModule,
                    "module '\(module)' has two instructions: \(describe(after[stepOf[first]])) and \(describe(step))",
                    at: step
                )
            }
            vertexOf[module] = stepOf.count
            vertexAtStep[index] = stepOf.count
            stepOf.append(index)
            modules.append(module)
        }
        var start = [0]
        var targets: [Int] = []
        start.reserveCapacity(stepOf.count + 1)
        for stepIndex in stepOf {
            for dependency in after[stepIndex].instruction.dependentModule?.dependencies ?? [] {
                guard let target = vertexOf[dependency] else {
                    throw error(
                        .undefModule,
                        "\(describe(after[stepIndex])) depends on module '\(dependency)', which has no instruction "
                            + "in this upgrade",
                        at: after[stepIndex]
                    )
                }
                targets.append(target)
            }
            start.append(targets.count)
        }
        let (componentOf, members) = weakComponents(start: start, targets: targets)
        // translate_dep_loop/7.
        var objectCode: [ObjectCode] = []
        var script: [RelupInstruction] = []
        var translated = [Bool](repeating: false, count: members.count)
        var position = [Int](repeating: 0, count: stepOf.count)
        for (index, step) in after.enumerated() {
            let vertex = vertexAtStep[index]
            guard vertex >= 0 else {
                if let instruction = step.lowLevel { script.append(instruction) }
                continue
            }
            let component = componentOf[vertex]
            guard !translated[component] else { continue }
            translated[component] = true
            // get_dependent_instructions/3 on the component's own graph.
            let vertices = members[component]
            for (local, global) in vertices.enumerated() { position[global] = local }
            var localStart = [0]
            var localTargets: [Int] = []
            localStart.reserveCapacity(vertices.count + 1)
            for global in vertices {
                for edge in start[global]..<start[global + 1] { localTargets.append(position[targets[edge]]) }
                localStart.append(localTargets.count)
            }
            var order = DependencyOrder(start: localStart, targets: localTargets)
            if let ranks { order.ranks = vertices.map { ranks[modules[$0]] ?? Int.max } }
            let ordered = order.order().map { stepOf[vertices[$0]] }
            try lowLevelInstructions(ordered, of: after, objectCode: &objectCode, script: &script)
        }
        return (objectCode, script)
    }

    /// The weakly connected components of the graph: each vertex's component, and each
    /// component's vertices ascending, components numbered by their first vertex.
    private func weakComponents(start: [Int], targets: [Int]) -> (componentOf: [Int], members: [[Int]]) {
        let count = start.count - 1
        var parent = Array(0..<count)
        func root(_ vertex: Int) -> Int {
            var vertex = vertex
            while parent[vertex] != vertex {
                parent[vertex] = parent[parent[vertex]]
                vertex = parent[vertex]
            }
            return vertex
        }
        for vertex in 0..<count {
            for edge in start[vertex]..<start[vertex + 1] {
                let (a, b) = (root(vertex), root(targets[edge]))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var componentOf = [Int](repeating: 0, count: count)
        var componentOfRoot = [Int](repeating: -1, count: count)
        var members: [[Int]] = []
        for vertex in 0..<count {
            let top = root(vertex)
            if componentOfRoot[top] < 0 {
                componentOfRoot[top] = members.count
                members.append([])
            }
            componentOf[vertex] = componentOfRoot[top]
            members[componentOf[vertex]].append(vertex)
        }
        return (componentOf, members)
    }

    /// `translate_dep_to_low/3`: the instructions of one component, in dependency order
    /// (`ordered`: indices into `after`), as `load_object_code` (one per loaded module,
    /// appended to `objectCode`) and low-level instructions (appended to `script`):
    ///
    /// - up: `suspend` (dependency order), loads and removes in reverse dependency order,
    ///   `code_change up` for every advanced update, `resume` (reverse order);
    /// - down: `suspend`, `code_change down` for dynamic advanced updates (the newer code
    ///   converts its state before it is replaced), loads and removes in dependency
    ///   order, `code_change down` for static ones (supervisors), `resume`.
    private func lowLevelInstructions(
        _ ordered: [Int],
        of after: [Step],
        objectCode: inout [ObjectCode],
        script: inout [RelupInstruction]
    ) throws(PlanError) {
        var suspended: [SuspendedModule] = []
        var codeChanges: [ModuleCodeChange] = []
        var dynamicChanges: [ModuleCodeChange] = []
        var staticChanges: [ModuleCodeChange] = []
        func readObjectCode(_ module: String, at step: Step) throws(PlanError) {
            guard let owner = applications.owner(of: module) else {
                throw error(
                    .noSuchModule,
                    "\(describe(step)) loads module '\(module)', which no application of release "
                        + "\(Self.name(applications)) lists in its modules",
                    at: step
                )
            }
            objectCode.append(ObjectCode(application: owner.name, version: owner.version, modules: [], module: module))
        }
        for index in ordered {
            switch after[index].instruction {
            case .update(let update):
                suspended.append(
                    SuspendedModule(module: update.module, timeout: update.timeout == .default ? nil : update.timeout)
                )
                try readObjectCode(update.module, at: after[index])
                if case .advanced(let extra) = update.change {
                    let change = ModuleCodeChange(module: update.module, extra: extra)
                    codeChanges.append(change)
                    if update.moduleType == .dynamic {
                        dynamicChanges.append(change)
                    } else {
                        staticChanges.append(change)
                    }
                }
            case .loadModule(let load): try readObjectCode(load.module, at: after[index])
            default: continue
            }
        }
        func loadOrRemove(_ index: Int) {
            switch after[index].instruction {
            case .update(let update):
                script.append(.load(module: update.module, prePurge: update.prePurge, postPurge: update.postPurge))
            case .loadModule(let load):
                script.append(.load(module: load.module, prePurge: load.prePurge, postPurge: load.postPurge))
            case .deleteModule(let module, _):
                script.append(.remove(module: module, prePurge: .brutalPurge, postPurge: .brutalPurge))
                script.append(.purge(modules: [module]))
            default: return
            }
        }
        if !suspended.isEmpty { script.append(.suspend(suspended)) }
        switch direction {
        case .up:
            for index in ordered.reversed() { loadOrRemove(index) }
            if !codeChanges.isEmpty { script.append(.codeChange(.up, codeChanges)) }
        case .down:
            if !dynamicChanges.isEmpty { script.append(.codeChange(.down, dynamicChanges)) }
            for index in ordered { loadOrRemove(index) }
            if !staticChanges.isEmpty { script.append(.codeChange(.down, staticChanges)) }
        }
        if !suspended.isEmpty { script.append(.resume(modules: suspended.reversed().map(\.module))) }
    }
}
