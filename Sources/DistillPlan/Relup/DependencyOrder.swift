//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The order `systools_rc` gives the module instructions of one weakly connected
/// component of the dependency graph (edge `M → D` for each `D` in `M`'s DepMods):
/// strongly connected components in topological order, a module before the modules it
/// depends on; inside a strongly connected component, the written order.
///
/// OTP takes the topological order from `digraph_utils:topsort/1` on its own
/// condensation graph, whose edges are every reachable pair of components, so the order
/// is forced wherever one component reaches the other. Between two components that do
/// not reach each other, OTP's order is that of its `digraph`'s ETS tables, which hash
/// atoms by their index in the node's atom table: it changes with the atoms the VM
/// happens to have created (the same appup gives different orders after
/// `list_to_atom/1` calls in another order). swift-distill orders such components by
/// their first written instruction, a choice OTP could also have made; any such
/// order is a valid one, since neither component depends on the other.
///
/// The graph comes in compressed form: the targets of vertex `v` (its DepMods, as
/// vertex numbers in written order) are `targets[start[v]..<start[v + 1]]`.
struct DependencyOrder {
    let start: [Int]
    let targets: [Int]
    /// For tests: a rank per vertex that decides between components that do not depend
    /// on each other (lowest first) before the written order does.
    var ranks: [Int]?

    var count: Int { start.count - 1 }

    /// The vertices in dependency order.
    func order() -> [Int] {
        let (componentOf, members) = stronglyConnectedComponents()
        let componentCount = members.count
        // Condensation: an edge from each component to each component it depends on, once.
        var blockers = [Int](repeating: 0, count: componentCount)
        var stamp = [Int](repeating: -1, count: componentCount)
        var pairs: [(from: Int, to: Int)] = []
        for component in 0..<componentCount {
            for vertex in members[component] {
                for edge in start[vertex]..<start[vertex + 1] {
                    let to = componentOf[targets[edge]]
                    if to != component, stamp[to] != component {
                        stamp[to] = component
                        pairs.append((component, to))
                        blockers[to] += 1
                    }
                }
            }
        }
        var dependentsStart = [Int](repeating: 0, count: componentCount + 1)
        for pair in pairs { dependentsStart[pair.from + 1] += 1 }
        for index in 0..<componentCount { dependentsStart[index + 1] += dependentsStart[index] }
        var dependents = [Int](repeating: 0, count: pairs.count)
        var fill = dependentsStart
        for pair in pairs {
            dependents[fill[pair.from]] = pair.to
            fill[pair.from] += 1
        }
        // Kahn's algorithm: a component once nothing depends on it any more; among those,
        // the lowest rank, then the first written.
        func key(_ component: Int) -> (Int, Int) {
            let first = members[component][0]
            guard let ranks else { return (0, first) }
            return (members[component].map { ranks[$0] }.min() ?? Int.max, first)
        }
        var ready = KeyHeap()
        for component in 0..<componentCount where blockers[component] == 0 { ready.push(key(component), component) }
        var result: [Int] = []
        result.reserveCapacity(count)
        while let component = ready.pop() {
            result += members[component]
            for edge in dependentsStart[component]..<dependentsStart[component + 1] {
                let next = dependents[edge]
                blockers[next] -= 1
                if blockers[next] == 0 { ready.push(key(next), next) }
            }
        }
        return result
    }

    /// Tarjan's algorithm, without recursion (a chain of thousands of modules is fine);
    /// each component's vertices ascending.
    private func stronglyConnectedComponents() -> (componentOf: [Int], members: [[Int]]) {
        var index = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var componentOf = [Int](repeating: 0, count: count)
        var stack: [Int] = []
        var members: [[Int]] = []
        var nextIndex = 0
        var frames: [(vertex: Int, edge: Int)] = []
        for root in 0..<count where index[root] < 0 {
            frames.append((root, start[root]))
            index[root] = nextIndex
            lowLink[root] = nextIndex
            nextIndex += 1
            stack.append(root)
            onStack[root] = true
            while let (vertex, edge) = frames.last {
                if edge < start[vertex + 1] {
                    frames[frames.count - 1].edge += 1
                    let target = targets[edge]
                    if index[target] < 0 {
                        index[target] = nextIndex
                        lowLink[target] = nextIndex
                        nextIndex += 1
                        stack.append(target)
                        onStack[target] = true
                        frames.append((target, start[target]))
                    } else if onStack[target] {
                        lowLink[vertex] = min(lowLink[vertex], index[target])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last?.vertex { lowLink[parent] = min(lowLink[parent], lowLink[vertex]) }
                if lowLink[vertex] == index[vertex] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        componentOf[member] = members.count
                        component.append(member)
                        if member == vertex { break }
                    }
                    members.append(component.count > 1 ? component.sorted() : component)
                }
            }
        }
        return (componentOf, members)
    }
}

/// A binary min-heap of components keyed by `(rank, first written vertex)`.
private struct KeyHeap {
    private var elements: [(key: (Int, Int), component: Int)] = []

    mutating func push(_ key: (Int, Int), _ component: Int) {
        elements.append((key, component))
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child].key < elements[parent].key else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < elements.count, elements[left].key < elements[smallest].key { smallest = left }
            if right < elements.count, elements[right].key < elements[smallest].key { smallest = right }
            if smallest == parent { break }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
        return top.component
    }
}
