//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm

/// In-memory releases for the relup compiler's tests, written the way a person writes
/// them: appups and expected scripts as Erlang text.
enum Fixtures {
    /// An `.app` that uses kernel and stdlib.
    static func app(
        _ name: String,
        _ version: String,
        modules: [String],
        uses: [String] = ["kernel", "stdlib"],
        included: [String]? = nil,
        optional: [String]? = nil,
        registered: [String] = []
    ) -> ApplicationSpec {
        ApplicationSpec(
            name: name,
            description: name,
            version: version,
            modules: modules,
            registered: registered,
            applications: uses,
            includedApplications: included,
            optionalApplications: optional
        )
    }

    /// kernel, stdlib and sasl, each with one module of its own.
    static let mandatory: [ApplicationSpec] = [
        app("kernel", "8.5.3", modules: ["kernel_mod"], uses: []),
        app("stdlib", "4.2", modules: ["stdlib_mod"], uses: ["kernel"]),
        app("sasl", "4.2", modules: ["sasl_mod"]),
    ]

    /// Release `demo` version `version` with kernel, stdlib, sasl and `applications`.
    ///
    /// - Parameters:
    ///   - types: start types written in the `.rel`.
    ///   - appups: appup text per application name.
    ///   - mandatory: kernel, stdlib and sasl (replace to test their checks).
    static func release(
        _ version: String,
        erts: String = "13.1.5",
        _ applications: [ApplicationSpec],
        types: [String: ApplicationType] = [:],
        appups: [String: String] = [:],
        mandatory: [ApplicationSpec] = Fixtures.mandatory
    ) throws -> ReleaseFiles {
        let all = mandatory + applications
        let spec = ReleaseSpec(
            name: "demo",
            version: version,
            ertsVersion: erts,
            applications: all.map { ReleaseSpec.Application(name: $0.name, version: $0.version, type: types[$0.name]) }
        )
        var files = ReleaseFiles(release: spec, path: "rel-\(version)/demo.rel", applications: all)
        for (name, text) in appups {
            let path = "lib/\(name)/ebin/\(name).appup"
            let located = try TermParser.parseAllLocated(text + ".", file: path)
            files.appups[name] = AppupFile(path: path, appup: try Appup(located: located[0], file: path))
        }
        return files
    }

    /// A list of instructions written as Erlang text: `"[point_of_no_return, {load, ...}]"`.
    static func script(_ text: String) throws -> [Term] {
        try TermParser.parseOne(text).listElements ?? []
    }
}

extension RelupCompiler {
    /// Compiles `release` from and back to each of `bases`.
    func compile(_ release: ReleaseFiles, bases: [ReleaseFiles]) throws(PlanError) -> RelupCompilation {
        let bases = bases.map { BaseRelease($0) }
        return try compile(release, upFrom: bases, downTo: bases)
    }
}

extension RelupCompilation {
    /// The up script from the only base release.
    var up: [Term] { relup.upgrades.first?.instructions.map(\.term) ?? [] }
    /// The down script to the only base release.
    var down: [Term] { relup.downgrades.first?.instructions.map(\.term) ?? [] }
}
