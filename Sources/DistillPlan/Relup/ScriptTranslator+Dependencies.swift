//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

extension ScriptTranslator {
    /// `translate_dependent_instrs/4`: the `update`, `load_module` and `delete_module`
    /// instructions, one weakly connected component of the dependency graph at a time
    /// (where its first instruction is), become low-level instructions; the others stay
    /// where they are. Returns the `load_object_code` instructions and the new script.
    func translateDependentInstructions(
        _ after: [Step]
    ) throws(PlanError) -> (objectCode: [RelupInstruction], script: [RelupInstruction]) {
        // make_dependency_graph/1: one vertex per module, in written order.
        var vertices: [(step: Int, module: String, dependencies: [String])] = []
        var vertexOf: [String: Int] = [:]
        for (index, step) in after.enumerated() {
            guard let (module, dependencies) = step.instruction.dependentModule else { continue }
            if let first = vertexOf[module] {
                throw error(
                    .muldefModule,
                    "module '\(module)' has two instructions: \(describe(after[vertices[first].step])) "
                        + "and \(describe(step))", at: step)
            }
            vertexOf[module] = vertices.count
            vertices.append((index, module, dependencies))
        }
        var edges: [[Int]] = []
        edges.reserveCapacity(vertices.count)
        for vertex in vertices {
            var targets: [Int] = []
            for dependency in vertex.dependencies {
                guard let target = vertexOf[dependency] else {
                    throw error(
                        .undefModule,
                        "\(describe(after[vertex.step])) depends on module '\(dependency)', which has no "
                            + "instruction in this upgrade", at: after[vertex.step])
                }
                targets.append(target)
            }
            edges.append(targets)
        }
        let components = weakComponents(edges)
        // translate_dep_loop/7.
        var objectCode: [RelupInstruction] = []
        var script: [RelupInstruction] = []
        var translated = Set<Int>()
        var vertexAtStep = [Int?](repeating: nil, count: after.count)
        for (vertex, entry) in vertices.enumerated() { vertexAtStep[entry.step] = vertex }
        for (index, step) in after.enumerated() {
            guard let vertex = vertexAtStep[index] else {
                if let instruction = step.lowLevel { script.append(instruction) }
                continue
            }
            let component = components.componentOf[vertex]
            guard translated.insert(component).inserted else { continue }
            let members = components.members[component]
            let ordered = orderComponent(members, edges: edges, modules: vertices.map(\.module))
            let (code, instructions) = try lowLevelInstructions(ordered.map { after[vertices[$0].step] })
            objectCode += code
            script += instructions
        }
        return (objectCode, script)
    }

    /// `get_dependent_instructions/3`: the component's vertices in dependency order.
    private func orderComponent(_ members: [Int], edges: [[Int]], modules: [String]) -> [Int] {
        var local: [Int: Int] = [:]
        for (position, vertex) in members.enumerated() { local[vertex] = position }
        let dependencies = members.map { vertex in edges[vertex].compactMap { local[$0] } }
        let ranks = ranks
        let order = DependencyOrder(dependencies: dependencies) { component in
            let first = component.min() ?? 0
            guard let ranks else { return (first, 0) }
            let rank = component.compactMap { ranks[modules[members[$0]]] }.min() ?? Int.max
            return (rank, first)
        }
        return order.order().map { members[$0] }
    }

    /// The weakly connected components of the graph, each's vertices ascending.
    private func weakComponents(_ edges: [[Int]]) -> (componentOf: [Int], members: [[Int]]) {
        var parent = Array(edges.indices)
        func root(_ vertex: Int) -> Int {
            var vertex = vertex
            while parent[vertex] != vertex {
                parent[vertex] = parent[parent[vertex]]
                vertex = parent[vertex]
            }
            return vertex
        }
        for (vertex, targets) in edges.enumerated() {
            for target in targets {
                let (a, b) = (root(vertex), root(target))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var componentOf = [Int](repeating: 0, count: edges.count)
        var members: [[Int]] = []
        var componentOfRoot: [Int: Int] = [:]
        for vertex in edges.indices {
            let top = root(vertex)
            let component: Int
            if let known = componentOfRoot[top] {
                component = known
            } else {
                component = members.count
                componentOfRoot[top] = component
                members.append([])
            }
            componentOf[vertex] = component
            members[component].append(vertex)
        }
        return (componentOf, members)
    }

    /// `translate_dep_to_low/3`: the instructions of one component, in dependency order,
    /// as `load_object_code` (one per loaded module) and the script
    ///
    /// - up: `suspend` (dependency order), loads and removes in reverse dependency order,
    ///   `code_change up` for every advanced update, `resume` (reverse order);
    /// - down: `suspend`, `code_change down` for dynamic advanced updates (the newer code
    ///   converts its state before it is replaced), loads and removes in dependency
    ///   order, `code_change down` for static ones (supervisors), `resume`.
    private func lowLevelInstructions(
        _ steps: [Step]
    ) throws(PlanError) -> (objectCode: [RelupInstruction], script: [RelupInstruction]) {
        var suspended: [SuspendedModule] = []
        var loadsAndRemoves: [[RelupInstruction]] = []
        var codeChanges: [ModuleCodeChange] = []
        var dynamicChanges: [ModuleCodeChange] = []
        var staticChanges: [ModuleCodeChange] = []
        var objectCode: [RelupInstruction] = []
        for step in steps {
            switch step.instruction {
            case .update(let update):
                suspended.append(
                    SuspendedModule(module: update.module, timeout: update.timeout == .default ? nil : update.timeout))
                loadsAndRemoves.append([.load(module: update.module, prePurge: update.prePurge, postPurge: update.postPurge)])
                if case .advanced(let extra) = update.change {
                    let change = ModuleCodeChange(module: update.module, extra: extra)
                    codeChanges.append(change)
                    if update.moduleType == .dynamic { dynamicChanges.append(change) } else { staticChanges.append(change) }
                }
            case .loadModule(let load):
                loadsAndRemoves.append([.load(module: load.module, prePurge: load.prePurge, postPurge: load.postPurge)])
            case .deleteModule(let module, _):
                loadsAndRemoves.append([
                    .remove(module: module, prePurge: .brutalPurge, postPurge: .brutalPurge), .purge(modules: [module]),
                ])
            default:
                continue
            }
            if case .load(let module, _, _) = loadsAndRemoves.last?.first {
                guard let owner = applications.owner(of: module) else {
                    throw error(
                        .noSuchModule,
                        "\(describe(step)) loads module '\(module)', which no application of release "
                            + "\(Self.name(applications)) lists in its modules", at: step)
                }
                objectCode.append(.loadObjectCode(application: owner.name, version: owner.version, modules: [module]))
            }
        }
        var script: [RelupInstruction] = []
        if !suspended.isEmpty { script.append(.suspend(suspended)) }
        switch direction {
        case .up:
            script += loadsAndRemoves.reversed().flatMap { $0 }
            if !codeChanges.isEmpty { script.append(.codeChange(.up, codeChanges)) }
        case .down:
            if !dynamicChanges.isEmpty { script.append(.codeChange(.down, dynamicChanges)) }
            script += loadsAndRemoves.flatMap { $0 }
            if !staticChanges.isEmpty { script.append(.codeChange(.down, staticChanges)) }
        }
        if !suspended.isEmpty { script.append(.resume(modules: suspended.reversed().map(\.module))) }
        return (objectCode, script)
    }
}
