//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm

/// An application of a release as `systools_make` records it (`#application{}`): the
/// `.app`'s lists, with the `.rel`'s start type and included applications applied.
struct ResolvedApplication: Hashable, Sendable {
    var name: String
    var version: String
    /// The start type from the `.rel`.
    var type: ApplicationType
    var modules: [String]
    /// `applications` (after `systools_make` rewrites uses of included applications).
    var uses: [String]
    var optional: [String]
    /// `included_applications`, or the `.rel`'s override.
    var includes: [String]
    var registered: [String]
}

/// A release after `systools_make:get_release/2`'s checks, its applications in the
/// order systools sorts them (an application after those it uses or includes).
struct ResolvedRelease: Sendable {
    let files: ReleaseFiles
    /// The applications in systools' order.
    let applications: [ResolvedApplication]
    /// Whether the release has `sasl` (systools warns `missing_sasl`; `make_relup` refuses).
    let hasSasl: Bool
    private let indexByName: [String: Int]
    private let ownerByModule: [String: Int]

    var spec: ReleaseSpec { files.release }

    /// The first application (in systools' order) named `name` (`lists:keysearch`).
    func application(named name: String) -> ResolvedApplication? {
        indexByName[name].map { applications[$0] }
    }

    /// The first application (in systools' order) that lists `module` (`systools_rc:get_lib`).
    func owner(of module: String) -> ResolvedApplication? {
        ownerByModule[module].map { applications[$0] }
    }

    /// Runs `get_release`'s checks on `files` and sorts its applications.
    init(_ files: ReleaseFiles) throws(PlanError) {
        self.files = files
        let checker = ReleaseChecker(files: files)
        hasSasl = try checker.checkMandatoryApplications()
        var applications = try checker.collectApplications()
        try checker.checkApplications(&applications)
        checker.sortUsedAndIncluded(&applications)
        try checker.checkModules(applications)
        self.applications = try checker.sort(applications)
        var indexByName: [String: Int] = [:]
        var ownerByModule: [String: Int] = [:]
        for (index, application) in self.applications.enumerated() {
            if indexByName[application.name] == nil { indexByName[application.name] = index }
            for module in application.modules where ownerByModule[module] == nil { ownerByModule[module] = index }
        }
        self.indexByName = indexByName
        self.ownerByModule = ownerByModule
    }
}

/// The steps of `systools_make:get_release1/3`, in its order, each throwing the error
/// systools throws.
private struct ReleaseChecker {
    let files: ReleaseFiles
    var release: ReleaseSpec { files.release }
    var releaseName: String { "\(release.name)-\(release.version)" }

    init(files: ReleaseFiles) {
        self.files = files
    }

    func error(_ code: PlanError.Code, _ message: String, application: String? = nil) -> PlanError {
        PlanError(code: code, message: message, application: application, file: files.path)
    }

    /// `mandatory_applications/4`: kernel and stdlib must be there and `permanent`.
    /// Returns whether sasl is there.
    func checkMandatoryApplications() throws(PlanError) -> Bool {
        func firstType(_ name: String) -> ApplicationType? {
            release.applications.first { $0.name == name }?.effectiveType
        }
        for name in ["kernel", "stdlib"] {
            guard let type = firstType(name) else {
                throw error(
                    .missingMandatoryApplication,
                    "release \(releaseName) has no '\(name)': every release needs it",
                    application: name
                )
            }
            guard type == .permanent else {
                throw error(
                    .mandatoryApplicationType,
                    "'\(name)' must be permanent in release \(releaseName), not \(type.rawValue)",
                    application: name
                )
            }
        }
        return firstType("sasl") != nil
    }

    /// `collect_applications/2` and `parse_application/4`: the `.app` of each application,
    /// with the `.rel`'s start type and included applications.
    func collectApplications() throws(PlanError) -> [ResolvedApplication] {
        var resolved: [ResolvedApplication] = []
        for entry in release.applications {
            guard let spec = files.applications.first(where: { $0.name == entry.name && $0.version == entry.version })
            else {
                if let other = files.applications.first(where: { $0.name == entry.name }) {
                    throw error(
                        .applicationMismatch,
                        "release \(releaseName) wants '\(entry.name)' version \(entry.version), but its .app "
                            + "has version \(other.version)",
                        application: entry.name
                    )
                }
                throw error(
                    .missingApplication,
                    "no \(entry.name).app for '\(entry.name)' version \(entry.version) "
                        + "of release \(releaseName)",
                    application: entry.name
                )
            }
            let declared = spec.includedApplications ?? []
            var includes = declared
            if let override = entry.includedApplications {
                let unspecified = override.filter { !declared.contains($0) }
                guard unspecified.isEmpty else {
                    throw error(
                        .overrideInclude,
                        "release \(releaseName) includes \(Self.quoted(unspecified)) in '\(entry.name)', "
                            + "but \(entry.name).app does not list \(unspecified.count == 1 ? "it" : "them") "
                            + "in included_applications",
                        application: entry.name
                    )
                }
                includes = override
            }
            resolved.append(
                ResolvedApplication(
                    name: entry.name,
                    version: entry.version,
                    type: entry.effectiveType,
                    modules: spec.modules,
                    uses: spec.applications,
                    optional: spec.optionalApplications ?? [],
                    includes: includes,
                    registered: spec.registered
                )
            )
        }
        return resolved
    }

    /// `check_applications/1`: every used application is there, no name is registered or
    /// included twice; then uses of included applications are redirected to their tops.
    func checkApplications(_ applications: inout [ResolvedApplication]) throws(PlanError) {
        let defined = Set(applications.map(\.name))
        var undefined: [(needed: String, by: String)] = []
        for application in applications {
            for name in ListOps.subtract(application.uses, application.optional) + application.includes
            where !defined.contains(name) {
                undefined.append((name, application.name))
            }
        }
        if let first = undefined.first {
            let names = ListOps.makeSet(undefined.map(\.needed))
            let needs = names.map { name in
                let users = ListOps.makeSet(undefined.filter { $0.needed == name }.map(\.by))
                return "'\(name)' (needed by \(Self.quoted(users)))"
            }
            throw error(
                .undefinedApplications,
                "release \(releaseName) does not include \(needs.joined(separator: ", "))",
                application: first.by
            )
        }
        let registered = applications.flatMap { application in application.registered.map { ($0, application.name) } }
        if let (name, owners) = Self.firstDuplicate(registered) {
            throw error(
                .duplicateRegister,
                "\(Self.every(owners)) register the name '\(name)'",
                application: owners[0]
            )
        }
        let included = applications.flatMap { application in application.includes.map { ($0, application.name) } }
        if let (name, owners) = Self.firstDuplicate(included) {
            throw error(
                .duplicateInclude,
                "'\(name)' is included by both \(Self.quoted(owners))",
                application: name
            )
        }
        addTopApplicationsToUses(&applications)
    }

    /// `add_top_apps_to_uses/3`: an application that uses an included application uses
    /// the application at the top of its inclusion chain instead.
    private func addTopApplicationsToUses(_ applications: inout [ResolvedApplication]) {
        // [{IncApp, App}], in release order.
        let inclusions = applications.flatMap { application in application.includes.map { ($0, application.name) } }
        func includer(of name: String) -> String? { inclusions.first { $0.0 == name }?.1 }
        func top(of name: String) -> String {
            var current = name
            var seen: Set<String> = [current]
            while let parent = includer(of: current), seen.insert(parent).inserted { current = parent }
            return current
        }
        for index in applications.indices {
            let myTop = top(of: applications[index].name)
            var uses = applications[index].uses
            for used in applications[index].uses {
                if used == myTop {
                    uses = ListOps.subtract(uses, [myTop])
                } else if let dependApp = includer(of: used) {
                    let usedTop = top(of: dependApp)
                    if uses.contains(usedTop) {
                        uses = ListOps.subtract(uses, [used])
                    } else if myTop != usedTop {
                        uses = ListOps.subtract(uses, [used]) + [usedTop]
                    }
                }
            }
            applications[index].uses = uses
        }
    }

    /// `sort_used_and_incl_appls/2`: each application's uses and includes in release order,
    /// those the release does not list last.
    func sortUsedAndIncluded(_ applications: inout [ResolvedApplication]) {
        var position: [String: Int] = [:]
        for (index, entry) in release.applications.enumerated() where position[entry.name] == nil {
            position[entry.name] = index
        }
        func sorted(_ names: [String]) -> [String] {
            guard names.count > 1 else { return names }
            // lists:keysort is stable; {optional, Name} sorts after every position.
            return names.enumerated().sorted { lhs, rhs in
                let left = position[lhs.element] ?? Int.max
                let right = position[rhs.element] ?? Int.max
                return left != right ? left < right : lhs.offset < rhs.offset
            }.map(\.element)
        }
        for index in applications.indices {
            applications[index].includes = sorted(applications[index].includes)
            applications[index].uses = sorted(applications[index].uses)
        }
    }

    /// `check_modules/3`: no module is listed twice, by one application or two.
    func checkModules(_ applications: [ResolvedApplication]) throws(PlanError) {
        let modules = applications.flatMap { application in application.modules.map { ($0, application.name) } }
        if let (module, owners) = Self.firstDuplicate(modules) {
            let who =
                Set(owners).count == 1 ? "'\(owners[0])' lists it twice" : "\(Self.every(owners)) list it"
            throw error(.duplicateModules, "module '\(module)' is in two places: \(who)", application: owners[0])
        }
    }

    /// `sort_appls/4`: each application after the applications it uses and includes,
    /// otherwise in release order. Throws for circular or missing dependencies.
    func sort(_ applications: [ResolvedApplication]) throws(PlanError) -> [ResolvedApplication] {
        var queue = applications
        var sorted: [ResolvedApplication] = []
        var missing: [String] = []
        var circular: [String] = []
        var visited: [String] = []  // newest first, as systools conses them
        while !queue.isEmpty {
            let application = queue.removeFirst()
            let (uses, rest1, notFound1) = Self.findAll(
                application.name,
                Array(application.uses.reversed()),
                in: queue,
                visited: visited
            )
            let (includes, rest2, notFound2) = Self.findAll(
                application.name,
                Array(application.includes.reversed()),
                in: rest1,
                visited: visited
            )
            missing = ListOps.subtract(notFound1, application.optional) + notFound2 + missing
            let needed = uses + includes
            if needed.isEmpty {
                sorted.append(application)
                visited.insert(application.name, at: 0)
                continue
            }
            var newCircular: [String] = []
            for dependency in needed {
                for name in visited where name == dependency.name { newCircular.append(name) }
            }
            if !newCircular.isEmpty { circular = [application.name] + newCircular + circular }
            var next = needed + [application] + rest2
            for name in newCircular {
                if let index = next.firstIndex(where: { $0.name == name }) { next.remove(at: index) }
            }
            visited.insert(application.name, at: 0)
            queue = next
        }
        if !circular.isEmpty {
            let names = ListOps.makeSet(circular)
            throw error(
                .circularDependencies,
                "applications \(Self.quoted(names)) depend on each other (in 'applications' or "
                    + "'included_applications')",
                application: names[0]
            )
        }
        if !missing.isEmpty {
            let names = ListOps.makeSet(missing)
            throw error(
                .undefinedApplications,
                "release \(releaseName) does not include \(Self.quoted(names))",
                application: names[0]
            )
        }
        return sorted
    }

    /// `find_all/6`: takes the applications named in `names` out of `queue`, except one
    /// that includes `checking` (that one, unless visited, is not found).
    private static func findAll(
        _ checking: String,
        _ names: [String],
        in queue: [ResolvedApplication],
        visited: [String]
    ) -> (found: [ResolvedApplication], rest: [ResolvedApplication], notFound: [String]) {
        var rest = queue
        var found: [ResolvedApplication] = []
        var notFound: [String] = []
        for name in names {
            if let index = rest.firstIndex(where: { $0.name == name }) {
                if rest[index].includes.contains(checking) {
                    if !visited.contains(name) { notFound.insert(name, at: 0) }
                } else {
                    found.insert(rest.remove(at: index), at: 0)
                }
            } else if !visited.contains(name) {
                notFound.insert(name, at: 0)
            }
        }
        return (found, rest, notFound)
    }

    /// The first key (in key order, as `duplicates(keysort(1, X))` finds them) listed
    /// more than once in `pairs`, with its owners in the order listed.
    private static func firstDuplicate(_ pairs: [(String, String)]) -> (String, [String])? {
        var firstOwner: [String: String] = [:]
        firstOwner.reserveCapacity(pairs.count)
        var duplicated: [String: [String]] = [:]
        for (key, owner) in pairs {
            if let first = firstOwner.updateValue(owner, forKey: key) {
                duplicated[key, default: [first]].append(owner)
                firstOwner[key] = first
            }
        }
        guard let first = duplicated.keys.min(by: { Term.atom($0) < Term.atom($1) }) else { return nil }
        return duplicated[first].map { (first, $0) }
    }

    /// `both 'a' and 'b'`, `'a', 'b' and 'c' all`.
    static func every(_ names: [String]) -> String {
        names.count == 2 ? "both \(quoted(names))" : "\(quoted(names)) all"
    }

    static func quoted(_ names: [String]) -> String {
        let quoted = names.map { "'\($0)'" }
        guard let last = quoted.last else { return "" }
        return quoted.count == 1 ? last : quoted.dropLast().joined(separator: ", ") + " and " + last
    }
}
