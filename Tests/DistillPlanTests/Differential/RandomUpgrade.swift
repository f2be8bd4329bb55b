//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation

/// One random upgrade for the differential test: the `.app` files of every application
/// version, the appups of the new versions, the new release and the base releases,
/// written as files that `systools:make_relup` and swift-distill both read.
///
/// The generator aims at what a relup compiler must get right: DepMods graphs with
/// cycles and self-loops, every short and long instruction form, purge methods,
/// timeouts, static and dynamic updates, advanced extras, written low-level
/// instructions, `point_of_no_return`, applications that come, go or restart, several
/// base releases, regular-expression versions, runtime changes, and now and then a
/// mistake that OTP rejects (a module defined twice, an undefined dependency, a bad
/// instruction before `point_of_no_return`, a suspend without resume, a missing appup
/// entry, a circular or missing application, ...).
struct RandomUpgrade {
    struct Application {
        var name: String
        var version: String
        var modules: [String]
        var uses: [String]
        var included: [String]
        var registered: [String]
        /// Used applications that may be missing from the release.
        var optional: [String] = []

        var term: Term {
            var properties: [Term] = [
                .tuple([.atom("description"), .string(name)]), .tuple([.atom("vsn"), .string(version)]),
                .tuple([.atom("modules"), .list(modules.map(Term.atom))]),
                .tuple([.atom("registered"), .list(registered.map(Term.atom))]),
                .tuple([.atom("applications"), .list(uses.map(Term.atom))]),
            ]
            if !included.isEmpty {
                properties.append(.tuple([.atom("included_applications"), .list(included.map(Term.atom))]))
            }
            if !optional.isEmpty {
                properties.append(.tuple([.atom("optional_applications"), .list(optional.map(Term.atom))]))
            }
            return .tuple([.atom("application"), .atom(name), .list(properties)])
        }
    }

    struct Release {
        var version: String
        var erts: String
        var entries: [Term]

        var term: Term {
            .tuple([
                .atom("release"), .tuple([.string("demo"), .string(version)]),
                .tuple([.atom("erts"), .string(erts)]), .list(entries),
            ])
        }
    }

    /// Every application version, by `name-version`.
    var applications: [String: Application] = [:]
    /// The appups of the new release's applications, by `name-version`.
    var appups: [String: Term] = [:]
    var new = Release(version: "10", erts: "13.1.5", entries: [])
    /// The releases to upgrade from, with a description or not.
    var ups: [(release: Release, description: Term?)] = []
    var downs: [(release: Release, description: Term?)] = []
    var restartEmulator = false

    /// kernel, stdlib and sasl (4.2 and 2.1), the same in every case: written once by
    /// ``writeShared(to:)``.
    static let shared = ["kernel-8.5.3", "stdlib-4.2", "sasl-4.2", "sasl-2.1"]

    /// Writes `lib/NAME-VSN/ebin/NAME.app(.appup)` and `rels/VSN.rel` under `directory`,
    /// except the ``shared`` applications.
    func write(to directory: URL) throws {
        for (key, application) in applications where !Self.shared.contains(key) {
            let ebin = directory.appendingPathComponent("lib/\(key)/ebin")
            try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
            try Self.writeTerm(application.term, to: ebin.appendingPathComponent("\(application.name).app"))
            if let appup = appups[key] {
                try Self.writeTerm(appup, to: ebin.appendingPathComponent("\(application.name).appup"))
            }
        }
        let rels = directory.appendingPathComponent("rels")
        try FileManager.default.createDirectory(at: rels, withIntermediateDirectories: true)
        for release in [new] + ups.map(\.release) + downs.map(\.release) {
            try Self.writeTerm(release.term, to: rels.appendingPathComponent("\(release.version).rel"))
        }
    }

    /// Writes the ``shared`` applications under `directory/lib`, sasl 4.2 with its appup.
    static func writeShared(to directory: URL) throws {
        var upgrade = RandomUpgrade()
        for application in UpgradeGenerator.sharedApplications {
            upgrade.applications["\(application.name)-\(application.version)"] = application
        }
        upgrade.appups["sasl-4.2"] = UpgradeGenerator.saslAppup
        for (key, application) in upgrade.applications {
            let ebin = directory.appendingPathComponent("lib/\(key)/ebin")
            try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
            try writeTerm(application.term, to: ebin.appendingPathComponent("\(application.name).app"))
            if let appup = upgrade.appups[key] {
                try writeTerm(appup, to: ebin.appendingPathComponent("\(application.name).appup"))
            }
        }
    }

    private static func writeTerm(_ term: Term, to url: URL) throws {
        try (TermPrinter.printCompact(term) + ".\n").write(to: url, atomically: false, encoding: .utf8)
    }
}

/// Makes ``RandomUpgrade``s from a seed.
///
/// About a third of the cases carry one mistake that OTP rejects; the others are valid
/// upgrades (which may still fail where random choices meet, such as a dependency on a
/// module of an application that does not change).
struct UpgradeGenerator {
    /// A mistake put in on purpose, at one random place.
    enum Mistake: CaseIterable {
        case circularApplications, duplicateRegister, undefinedApplication, duplicateModule
        case missingSasl, kernelNotPermanent, missingAppup, missingEntry, wrongAppupVersion
        case undefinedDependency, moduleTwice, noSuchModule, badOpBeforePointOfNoReturn, twoPointsOfNoReturn
        case suspendWithoutResume, resumeWithoutSuspend, startWithoutStop, stopWithoutStart, loadWithoutObjectCode
        case conflictingVersions, addApplication, removeApplication
    }

    var random: SplitMix64
    private var mistake: Mistake?

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    private static let mandatory = [
        RandomUpgrade.Application(
            name: "kernel",
            version: "8.5.3",
            modules: ["kernel_m"],
            uses: [],
            included: [],
            registered: []
        ),
        RandomUpgrade.Application(
            name: "stdlib",
            version: "4.2",
            modules: ["stdlib_m"],
            uses: ["kernel"],
            included: [],
            registered: []
        ),
        RandomUpgrade.Application(
            name: "sasl",
            version: "4.2",
            modules: ["sasl_m"],
            uses: ["kernel", "stdlib"],
            included: [],
            registered: []
        ),
    ]

    private var upgrade = RandomUpgrade()
    /// The new version of each user application, by name.
    private var newApplications: [RandomUpgrade.Application] = []
    /// The old versions made so far, by name, in order made.
    private var oldVersions: [String: [String]] = [:]
    /// Applications another application uses or includes (never left out of a base).
    private var needed: Set<String> = []

    mutating func make() -> RandomUpgrade {
        upgrade = RandomUpgrade()
        mistake = random.chance(0.35) ? random.pick(Mistake.allCases) : nil
        newApplications = []
        oldVersions = [:]
        needed = []
        for application in Self.mandatory { add(application) }
        makeNewApplications()
        upgrade.new.entries = Self.mandatory.map(Self.entry) + newApplications.map { typedEntry($0) }
        let baseCount = random.int(1...3)
        for index in 1...baseCount {
            let release = makeBase("\(index)")
            upgrade.ups.append((release, random.chance(0.2) ? .string("base \(index)") : nil))
        }
        if random.chance(0.7) {
            upgrade.downs = upgrade.ups
        } else if random.chance(0.8) {
            upgrade.downs = random.sample(upgrade.ups, upTo: random.int(1...upgrade.ups.count))
            if random.chance(0.3) { upgrade.downs.append((makeBase("\(baseCount + 1)"), nil)) }
        }
        upgrade.restartEmulator = random.chance(0.08)
        makeAppups()
        return upgrade
    }

    /// Whether to put in `kind` here: once per case, if it is the case's mistake.
    private mutating func take(_ kind: Mistake, _ p: Double = 1) -> Bool {
        guard mistake == kind, random.chance(p) else { return false }
        mistake = nil
        return true
    }

    private mutating func add(_ application: RandomUpgrade.Application) {
        upgrade.applications["\(application.name)-\(application.version)"] = application
    }

    private static func entry(_ application: RandomUpgrade.Application) -> Term {
        .tuple([.atom(application.name), .string(application.version)])
    }

    /// The `.rel` entry, now and then with a start type.
    /// The `.rel` entry, now and then with a start type, and with included applications
    /// (all of the `.app`'s, or none) for an application that includes some.
    private mutating func typedEntry(_ application: RandomUpgrade.Application) -> Term {
        var elements: [Term] = [.atom(application.name), .string(application.version)]
        if random.chance(0.15) {
            elements.append(.atom(random.pick(["transient", "temporary", "load", "none", "permanent"])))
        }
        if !application.included.isEmpty, random.chance(0.4) {
            elements.append(.list(random.chance(0.5) ? application.included.map(Term.atom) : []))
        }
        return .tuple(elements)
    }

    // MARK: - Applications

    private mutating func makeNewApplications() {
        let count = random.int(1...4)
        let rank = Array(0..<count).shuffled(using: &random)
        for index in 0..<count {
            let name = "app\(index + 1)"
            let universe = (1...9).map { "a\(index + 1)m\($0)" }
            var uses = ["kernel", "stdlib"]
            var included: [String] = []
            for other in 0..<count where rank[other] < rank[index] && random.chance(0.3) {
                if random.chance(0.15), !needed.contains("app\(other + 1)") {
                    included.append("app\(other + 1)")
                } else {
                    uses.append("app\(other + 1)")
                }
                needed.insert("app\(other + 1)")
            }
            var modules = random.sample(universe, upTo: random.int(2...7))
            if index > 0, take(.duplicateModule) { modules.append("a1m1") }
            var application = RandomUpgrade.Application(
                name: name,
                version: random.pick(["2.0", "2.1", "3.0.1"]),
                modules: modules,
                uses: uses,
                included: included,
                registered: random.chance(0.3) ? ["\(name)_srv"] : []
            )
            if random.chance(0.1) {  // an optional application the release does not have
                application.uses.append("opt_app")
                application.optional = ["opt_app"]
            }
            newApplications.append(application)
        }
        if count > 1, take(.circularApplications) {
            let (a, b) = (rank.firstIndex(of: 0) ?? 0, rank.firstIndex(of: 1) ?? 1)
            newApplications[a].uses.append(newApplications[b].name)
            newApplications[b].uses.append(newApplications[a].name)
        }
        if count > 1, take(.duplicateRegister) {
            newApplications[0].registered.append("shared_name")
            newApplications[1].registered.append("shared_name")
        }
        if take(.undefinedApplication) {
            newApplications[0].uses.append("nowhere")
        }
        for application in newApplications { add(application) }
    }

    /// An old version of `application` (the same one each time it is picked again).
    private mutating func oldVersion(of application: RandomUpgrade.Application) -> RandomUpgrade.Application {
        let versions = ["1.0", "1.1", "1.2.3", "0.9"]
        let version = random.pick(versions)
        let key = "\(application.name)-\(version)"
        if let known = upgrade.applications[key] { return known }
        let index = application.name.dropFirst(3)
        var modules = application.modules.filter { _ in random.chance(0.8) }
        modules += random.sample((1...3).map { "a\(index)old\($0)" }, upTo: random.int(0...2))
        let old = RandomUpgrade.Application(
            name: application.name,
            version: version,
            modules: modules.shuffled(using: &random),
            uses: application.uses,
            included: application.included,
            registered: application.registered,
            optional: application.optional
        )
        add(old)
        oldVersions[application.name, default: []].append(version)
        return old
    }

    private mutating func makeBase(_ version: String) -> RandomUpgrade.Release {
        var entries: [Term] = []
        entries.append(
            take(.kernelNotPermanent, 0.5)
                ? .tuple([.atom("kernel"), .string("8.5.3"), .atom("load")]) : Self.entry(Self.mandatory[0])
        )
        entries.append(Self.entry(Self.mandatory[1]))
        if random.chance(0.05) {
            add(Self.oldSasl)
            entries.append(Self.entry(Self.oldSasl))
        } else if !take(.missingSasl, 0.5) {
            entries.append(Self.entry(Self.mandatory[2]))
        }
        for application in newApplications {
            if random.chance(0.12), !needed.contains(application.name) { continue }
            let chosen = random.chance(0.3) ? application : oldVersion(of: application)
            entries.append(typedEntry(chosen))
        }
        if random.chance(0.25) {
            for gone in 1...random.int(1...2) {
                let application = RandomUpgrade.Application(
                    name: "gone\(gone)",
                    version: "1.0",
                    modules: (1...random.int(1...3)).map { "g\(gone)m\($0)" },
                    uses: ["kernel", "stdlib"],
                    included: [],
                    registered: []
                )
                add(application)
                entries.append(typedEntry(application))
            }
        }
        let erts = random.chance(0.2) ? random.pick(["13.1.4", "13.1.3"]) : "13.1.5"
        return RandomUpgrade.Release(version: version, erts: erts, entries: entries)
    }

    // MARK: - Appups

    /// sasl 4.2's appup: nothing to do from or to 2.1.
    static let saslAppup: Term = .tuple([
        .string("4.2"), .list([.tuple([.string("2.1"), .nil])]), .list([.tuple([.string("2.1"), .nil])]),
    ])

    /// kernel, stdlib, sasl 4.2 and sasl 2.1.
    static var sharedApplications: [RandomUpgrade.Application] { mandatory + [oldSasl] }

    private static let oldSasl = RandomUpgrade.Application(
        name: "sasl",
        version: "2.1",
        modules: ["sasl_m"],
        uses: ["kernel", "stdlib"],
        included: [],
        registered: []
    )

    private mutating func makeAppups() {
        upgrade.appups["sasl-4.2"] = Self.saslAppup
        for application in newApplications where !take(.missingAppup, 0.5) {
            let olds = (oldVersions[application.name] ?? []).compactMap {
                upgrade.applications["\(application.name)-\($0)"]
            }
            var ups: [Term] = []
            var downs: [Term] = []
            for old in olds {
                let key = versionKey(old.version)
                if !take(.missingEntry, 0.3) {
                    ups.append(.tuple([key, .list(script(application, from: old, to: application, up: true))]))
                }
                if !take(.missingEntry, 0.3) {
                    downs.append(.tuple([key, .list(script(application, from: application, to: old, up: false))]))
                }
            }
            if random.chance(0.2) { ups.insert(.tuple([.string("0.0.1"), .list([.atom("restart_emulator")])]), at: 0) }
            if random.chance(0.2) { downs.append(.tuple([.string("0.0.1"), .nil])) }
            let version = take(.wrongAppupVersion) ? "9.9" : application.version
            upgrade.appups["\(application.name)-\(application.version)"] = .tuple([
                .string(version), .list(ups.shuffled(using: &random)), .list(downs.shuffled(using: &random)),
            ])
        }
    }

    /// An appup entry's version for `version`: the string, or a regular expression that
    /// matches it whole, or (rarely) one whose first match is only a prefix.
    private mutating func versionKey(_ version: String) -> Term {
        let escaped = version.replacingOccurrences(of: ".", with: "\\.")
        let first = String(version.prefix(1))
        switch random.int(0...39) {
        case 0...25: return .string(version)
        case 26...28: return .binary(escaped)
        case 29...31: return .binary("\(first)\\..*")
        case 32...33: return .binary("[0-9.]+")
        case 34...35: return .binary("(0\\.9|1\\.[0-9.]+)")
        case 36...37: return .binary("(?:\(escaped))")
        case 38: return .binary("\(first)|\(escaped)")
        default: return .binary("\(first)\\.[0-9]")
        }
    }

    private static let purges = ["brutal_purge", "soft_purge"]

    /// A script taking `from`'s modules to `to`'s.
    private mutating func script(
        _ application: RandomUpgrade.Application,
        from: RandomUpgrade.Application,
        to: RandomUpgrade.Application,
        up: Bool
    ) -> [Term] {
        if random.chance(0.03) { return [.tuple([.atom("restart_application"), .atom(application.name)])] }
        let added = to.modules.filter { !from.modules.contains($0) }
        let deleted = from.modules.filter { !to.modules.contains($0) }
        let changed = to.modules.filter { from.modules.contains($0) && random.chance(0.6) }
        var work: [(module: String, kind: Int)] =
            added.map { ($0, 0) } + deleted.map { ($0, 1) } + changed.map { ($0, 2) }
        work.shuffle(using: &random)
        let names = work.map(\.module)
        var instructions: [Term] = []
        for (module, kind) in work {
            var dependencies = random.sample(names, upTo: random.chance(0.5) ? 0 : random.int(1...3))
            if take(.undefinedDependency, 0.5) { dependencies.append("undefined_mod") }
            if random.chance(0.01) { dependencies.append("a\(random.int(1...4))m\(random.int(1...9))") }
            instructions.append(instruction(module, kind: kind, dependencies: dependencies))
        }
        if let (module, kind) = work.first, take(.moduleTwice, 0.5) {
            instructions.append(instruction(module, kind: kind, dependencies: []))
        }
        if take(.noSuchModule, 0.5) { instructions.append(instruction("nosuchmod", kind: 2, dependencies: [])) }
        var extras: [Term] = []
        var before: [Term] = []
        let someModule = to.modules.first ?? "kernel_m"
        if random.chance(0.15) {
            let call = Term.tuple([.atom(someModule), .atom(up ? "up" : "down"), .list([.atom("x")])])
            if random.chance(0.5) {
                before.append(.tuple([.atom("apply"), call]))
            } else {
                extras.append(.tuple([.atom("apply"), call]))
            }
        }
        if random.chance(0.08) {
            let module = random.pick(to.modules + ["kernel_m"])
            extras += [
                .tuple([.atom("suspend"), .list([random.chance(0.5) ? .atom(module) : .tuple([.atom(module), 500])])]),
                .tuple([.atom("code_change"), .atom(up ? "up" : "down"), .list([.tuple([.atom(module), .atom("x")])])]),
                .tuple([.atom("resume"), .list([.atom(module)])]),
            ]
        }
        if random.chance(0.05) {
            extras += [
                .tuple([.atom("stop"), .list([.atom(someModule)])]),
                .tuple([.atom("start"), .list([.atom(someModule)])]),
            ]
        }
        // A written load, of a module without a module instruction here (the test reads
        // OTP's order of independent modules from where each module's one load is).
        if random.chance(0.06), let module = to.modules.last(where: { !names.contains($0) }) {
            let version = take(.conflictingVersions) ? "0.0.0" : to.version
            let code = Term.tuple([
                .atom("load_object_code"), .tuple([.atom(application.name), .string(version), .list([.atom(module)])]),
            ])
            if random.chance(0.5) { before.append(code) } else { extras.append(code) }
            extras.append(
                .tuple([
                    .atom("load"),
                    .tuple([
                        .atom(module), .atom(random.pick(Self.purges)),
                        .atom(random.pick(Self.purges)),
                    ]),
                ])
            )
        }
        if random.chance(0.04) { extras.append(.atom(random.pick(["restart_new_emulator", "restart_emulator"]))) }
        if random.chance(0.03) { extras.append(.tuple([.atom("sync_nodes"), .atom("id1"), .list([.atom("n1@h")])])) }
        if take(.suspendWithoutResume, 0.5) { extras.append(.tuple([.atom("suspend"), .list([.atom(someModule)])])) }
        if take(.resumeWithoutSuspend, 0.5) { extras.append(.tuple([.atom("resume"), .list([.atom(someModule)])])) }
        if take(.startWithoutStop, 0.5) { extras.append(.tuple([.atom("start"), .list([.atom(someModule)])])) }
        if take(.stopWithoutStart, 0.5) { extras.append(.tuple([.atom("stop"), .list([.atom(someModule)])])) }
        if take(.loadWithoutObjectCode, 0.5) {
            extras.append(
                .tuple([.atom("load"), .tuple([.atom(someModule), .atom("brutal_purge"), .atom("brutal_purge")])])
            )
        }
        if take(.addApplication, 0.5) {
            extras.append(.tuple([.atom("add_application"), .atom(random.pick(["app1", "gone1"]))]))
        }
        if take(.removeApplication, 0.5) {
            extras.append(.tuple([.atom("remove_application"), .atom(random.pick(["app1", "gone1"]))]))
        }
        var script = instructions
        for extra in extras { script.insert(extra, at: random.int(0...script.count)) }
        let pointOfNoReturn = !before.isEmpty || random.chance(0.2)
        if let first = script.first, take(.badOpBeforePointOfNoReturn, 0.5) { before.append(first) }
        guard pointOfNoReturn || !before.isEmpty || mistake == .twoPointsOfNoReturn else { return script }
        var result = before + [.atom("point_of_no_return")] + script
        if take(.twoPointsOfNoReturn, 0.5) { result.append(.atom("point_of_no_return")) }
        return result
    }

    /// `kind`: 0 added, 1 deleted, 2 changed.
    private mutating func instruction(_ module: String, kind: Int, dependencies: [String]) -> Term {
        let m = Term.atom(module)
        let deps = Term.list(dependencies.map(Term.atom))
        func tuple(_ elements: Term...) -> Term { .tuple(elements) }
        switch kind {
        case 0:
            return dependencies.isEmpty && random.chance(0.5)
                ? tuple(.atom("add_module"), m) : tuple(.atom("add_module"), m, deps)
        case 1:
            return dependencies.isEmpty && random.chance(0.5)
                ? tuple(.atom("delete_module"), m) : tuple(.atom("delete_module"), m, deps)
        default:
            break
        }
        let pre = Term.atom(random.pick(Self.purges))
        let post = Term.atom(random.pick(Self.purges))
        if random.chance(0.4) {
            if dependencies.isEmpty && random.chance(0.4) { return tuple(.atom("load_module"), m) }
            return random.chance(0.5)
                ? tuple(.atom("load_module"), m, deps) : tuple(.atom("load_module"), m, pre, post, deps)
        }
        let change: Term = random.chance(0.4) ? .atom("soft") : tuple(.atom("advanced"), extra())
        let timeout: Term = random.pick([.atom("default"), .atom("infinity"), .integer(random.int(1...9000))])
        let type = Term.atom(random.chance(0.6) ? "dynamic" : "static")
        switch random.int(0...7) {
        case 0 where dependencies.isEmpty: return tuple(.atom("update"), m)
        case 1 where dependencies.isEmpty: return tuple(.atom("update"), m, .atom("supervisor"))
        case 2 where dependencies.isEmpty: return tuple(.atom("update"), m, change)
        case 3: return tuple(.atom("update"), m, deps)
        case 4: return tuple(.atom("update"), m, change, deps)
        case 5: return tuple(.atom("update"), m, change, pre, post, deps)
        case 6: return tuple(.atom("update"), m, timeout, change, pre, post, deps)
        default: return tuple(.atom("update"), m, type, timeout, change, pre, post, deps)
        }
    }

    private mutating func extra() -> Term {
        switch random.int(0...4) {
        case 0: .nil
        case 1: .atom(random.pick(["x", "from_old", "up"]))
        case 2: .integer(random.int(0...1000))
        case 3: .string("text \(random.int(0...9))")
        default: .tuple([.atom("extra"), .list([.integer(1), .atom("b")])])
        }
    }
}
