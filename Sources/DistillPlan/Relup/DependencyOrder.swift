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
struct DependencyOrder {
    /// `dependencies[v]`: the vertices `v` depends on (its DepMods).
    let dependencies: [[Int]]
    /// The key that decides between components that do not depend on each other; the
    /// smallest goes first. By default the position of the component's first instruction.
    let key: (_ component: [Int]) -> (Int, Int)

    /// The vertices `0..<dependencies.count` in dependency order.
    func order() -> [Int] {
        let components = stronglyConnectedComponents()
        var componentOf = [Int](repeating: 0, count: dependencies.count)
        for (index, component) in components.enumerated() {
            for vertex in component { componentOf[vertex] = index }
        }
        // Condensation: an edge from each component to each component it depends on.
        var dependents = [Set<Int>](repeating: [], count: components.count)
        var blockers = [Int](repeating: 0, count: components.count)
        for (vertex, targets) in dependencies.enumerated() {
            let from = componentOf[vertex]
            for target in targets {
                let to = componentOf[target]
                if from != to, dependents[from].insert(to).inserted { blockers[to] += 1 }
            }
        }
        // Kahn's algorithm: a component once nothing depends on it any more.
        var ready = MinHeap<(key: (Int, Int), component: Int)> { $0.key < $1.key }
        for index in components.indices where blockers[index] == 0 {
            ready.push((key(components[index]), index))
        }
        var result: [Int] = []
        result.reserveCapacity(dependencies.count)
        while let (_, index) = ready.pop() {
            result += components[index].sorted()
            for next in dependents[index] {
                blockers[next] -= 1
                if blockers[next] == 0 { ready.push((key(components[next]), next)) }
            }
        }
        return result
    }

    /// Tarjan's algorithm, without recursion (a chain of thousands of modules is fine).
    private func stronglyConnectedComponents() -> [[Int]] {
        let count = dependencies.count
        var index = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var nextIndex = 0
        for root in 0..<count where index[root] < 0 {
            var frames: [(vertex: Int, edge: Int)] = [(root, 0)]
            index[root] = nextIndex
            lowLink[root] = nextIndex
            nextIndex += 1
            stack.append(root)
            onStack[root] = true
            while let (vertex, edge) = frames.last {
                if edge < dependencies[vertex].count {
                    frames[frames.count - 1].edge += 1
                    let target = dependencies[vertex][edge]
                    if index[target] < 0 {
                        index[target] = nextIndex
                        lowLink[target] = nextIndex
                        nextIndex += 1
                        stack.append(target)
                        onStack[target] = true
                        frames.append((target, 0))
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
                        component.append(member)
                        if member == vertex { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }
}

/// A binary min-heap ordered by `less`.
struct MinHeap<Element> {
    private var elements: [Element] = []
    private let less: (Element, Element) -> Bool

    init(by less: @escaping (Element, Element) -> Bool) {
        self.less = less
    }

    mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(elements[child], elements[parent]) else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < elements.count, less(elements[left], elements[smallest]) { smallest = left }
            if right < elements.count, less(elements[right], elements[smallest]) { smallest = right }
            if smallest == parent { break }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
