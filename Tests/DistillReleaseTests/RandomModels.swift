//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

/// A seeded generator of random release-file models (SplitMix64), so a failing
/// round trip can be replayed from the seed it prints.
struct RandomModels {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...choices.count - 1)] }

    mutating func maybe<T>(_ make: (inout RandomModels) -> T) -> T? { bool() ? make(&self) : nil }

    mutating func array<T>(_ counts: ClosedRange<Int>, _ make: (inout RandomModels) -> T) -> [T] {
        (0..<int(counts)).map { _ in make(&self) }
    }

    // MARK: - Leaves

    mutating func name() -> String {
        pick(["kv", "kv_server", "a", "m1", "Elixir.KV.Server", "with space", "café", "end", "node@host", "x_Y@z"])
    }

    mutating func names() -> [String] { array(0...3) { $0.name() } }

    /// A name or version that may be pasted into a path (``ReleaseName``): what `.app` and
    /// `.rel` files hold where the release makes a directory of it.
    mutating func safeName() -> String {
        pick(["kv", "kv_server", "a", "Elixir.KV.Server", "café", "node@host", "0.1.0", "1.2.3-rc.1", "6.3.1-1.0.0"])
    }

    mutating func text() -> String {
        pick(["", "0.1.0", "1.2.3-rc.1", "a \"quoted\" word", "tab\tand\nnewline", "ünïcødé ✓", "back\\slash", "{x}"])
    }

    mutating func term(depth: Int = 0) -> Term {
        let leaf = depth >= 2
        switch int(0...(leaf ? 5 : 9)) {
        case 0: return .atom(name())
        case 1: return .integer(int(-1_000...1_000))
        case 2: return .string(text())
        case 3: return .binary(text())
        case 4: return .float(pick([0.5, -2.25, 1.0e-5, 12_345.678]))
        case 5: return .nil
        case 6: return .tuple(array(0...3) { $0.term(depth: depth + 1) })
        case 7: return .list(array(1...3) { $0.term(depth: depth + 1) })
        case 8: return .map(TermMap(array(0...2) { ($0.term(depth: depth + 1), $0.term(depth: depth + 1)) }))
        default: return .improperList([term(depth: depth + 1)], tail: .atom(name()))
        }
    }

    mutating func timeout() -> UpgradeTimeout { pick([.default, .infinity, .milliseconds(int(1...60_000))]) }
    mutating func change() -> UpdateChange { bool() ? .soft : .advanced(term()) }
    mutating func purge() -> PurgeMethod { pick(PurgeMethod.allCases) }
    mutating func call() -> FunctionCall {
        FunctionCall(module: name(), function: name(), arguments: array(0...3) { $0.term() })
    }

    // MARK: - Instructions

    mutating func relupInstruction() -> RelupInstruction {
        switch int(0...13) {
        case 0: return .loadObjectCode(application: name(), version: text(), modules: names())
        case 1: return .pointOfNoReturn
        case 2: return .load(module: name(), prePurge: purge(), postPurge: purge())
        case 3: return .remove(module: name(), prePurge: purge(), postPurge: purge())
        case 4: return .purge(modules: names())
        case 5: return .suspend(array(0...3) { SuspendedModule(module: $0.name(), timeout: $0.maybe { $0.timeout() }) })
        case 6: return .resume(modules: names())
        case 7:
            return .codeChange(
                maybe { $0.pick(CodeChangeDirection.allCases) },
                array(0...3) { ModuleCodeChange(module: $0.name(), extra: $0.term()) }
            )
        case 8: return .stop(modules: names())
        case 9: return .start(modules: names())
        case 10: return .syncNodes(id: term(), bool() ? .nodes(names()) : .function(call()))
        case 11: return .apply(call())
        case 12: return .restartNewEmulator
        default: return .restartEmulator
        }
    }

    mutating func update() -> UpdateInstruction {
        let module = name()
        switch int(0...7) {
        case 0: return .soft(module: module)
        case 1: return .supervisor(module: module)
        case 2: return .change(module: module, change())
        case 3: return .dependencies(module: module, names())
        case 4: return .changeAndDependencies(module: module, change(), dependencies: names())
        case 5: return .purges(module: module, change(), prePurge: purge(), postPurge: purge(), dependencies: names())
        case 6:
            return .timeout(
                module: module,
                timeout(),
                change(),
                prePurge: purge(),
                postPurge: purge(),
                dependencies: names()
            )
        default:
            return .full(
                ModuleUpdate(
                    module: module,
                    moduleType: pick(ModuleType.allCases),
                    timeout: timeout(),
                    change: change(),
                    prePurge: purge(),
                    postPurge: purge(),
                    dependencies: names()
                )
            )
        }
    }

    mutating func appupInstruction() -> AppupInstruction {
        switch int(0...8) {
        case 0: return .update(update())
        case 1:
            let module = name()
            return .loadModule(
                pick([
                    .module(module), .dependencies(module, names()),
                    .full(ModuleLoad(module: module, prePurge: purge(), postPurge: purge(), dependencies: names())),
                ])
            )
        case 2: return .addModule(name(), dependencies: maybe { $0.names() })
        case 3: return .deleteModule(name(), dependencies: maybe { $0.names() })
        case 4: return .addApplication(name(), type: maybe { $0.pick(ApplicationType.allCases) })
        case 5: return .removeApplication(name())
        case 6: return .restartApplication(name())
        default: return .lowLevel(relupInstruction())
        }
    }

    // MARK: - Files

    mutating func appup() -> Appup {
        func entries(_ random: inout RandomModels) -> [Appup.Entry] {
            random.array(0...3) {
                let version: AppupVersion =
                    $0.bool()
                    ? .exact($0.text()) : .pattern(try! VersionPattern($0.pick(["1\\..*", "0\\.[0-9]+", "x|y"])))
                return Appup.Entry(version: version, instructions: $0.array(0...5) { $0.appupInstruction() })
            }
        }
        return Appup(version: text(), upgrades: entries(&self), downgrades: entries(&self))
    }

    mutating func relup() -> Relup {
        func entries(_ random: inout RandomModels) -> [Relup.Entry] {
            random.array(0...3) {
                Relup.Entry(
                    version: $0.text(),
                    description: $0.term(),
                    instructions: $0.array(0...6) { $0.relupInstruction() }
                )
            }
        }
        return Relup(version: text(), upgrades: entries(&self), downgrades: entries(&self))
    }

    mutating func parameters() -> [ConfigParameter] {
        var seen: Set<String> = []
        return array(0...3) { ConfigParameter(key: $0.name(), value: $0.term()) }.filter {
            seen.insert($0.key).inserted
        }
    }

    mutating func applicationSpec() -> ApplicationSpec {
        ApplicationSpec(
            name: safeName(),
            description: text(),
            id: maybe { $0.text() },
            version: safeName(),
            modules: names(),
            registered: names(),
            applications: names(),
            includedApplications: maybe { $0.names() },
            optionalApplications: maybe { $0.names() },
            environment: maybe { $0.parameters() },
            startModule: maybe { .init(module: $0.name(), arguments: $0.term()) },
            startPhases: maybe { $0.array(0...2) { .init(name: $0.name(), arguments: $0.term()) } },
            maxTime: maybe { $0.bool() ? .infinity : .value($0.int(1...1_000)) },
            maxProcesses: maybe { $0.bool() ? .infinity : .value($0.int(1...1_000)) },
            runtimeDependencies: maybe { $0.array(0...2) { $0.text() } },
            otherProperties: [ConfigParameter(key: "zz_unknown", value: term())].filter { _ in bool() }
        )
    }

    mutating func releaseSpec() -> ReleaseSpec {
        var seen: Set<String> = []
        let applications = array(0...5) {
            ReleaseSpec.Application(
                name: $0.safeName(),
                version: $0.safeName(),
                type: $0.maybe { $0.pick(ApplicationType.allCases) },
                includedApplications: $0.maybe { $0.names() }
            )
        }.filter { seen.insert($0.name).inserted }
        return ReleaseSpec(name: safeName(), version: safeName(), ertsVersion: safeName(), applications: applications)
    }

    mutating func sysConfig() -> SysConfig {
        var seen: Set<String> = []
        let entries = array(0...4) { random -> SysConfig.Entry in
            random.bool()
                ? .application(random.name(), random.parameters()) : .include(random.pick(["a", "rel/b.config"]))
        }.filter { if case .application(let name, _) = $0 { seen.insert(name).inserted } else { true } }
        return SysConfig(entries: entries)
    }
}
