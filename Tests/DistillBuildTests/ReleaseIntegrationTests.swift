//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillBuild
import DistillELF
import DistillPlan
import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// `Fixtures/kv` built into real releases: the tree, its ELF files, the tarball, a rebuild,
/// the upgrade to 0.2.0, and a boot check with the toolchain out of sight.
@Suite(.serialized)
struct ReleaseIntegrationTests {
    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func buildsTheReleaseTree() async throws {
        let built = try await KVReleases.v010()
        let erts = built.result.ertsVersion
        #expect(erts.wholeMatch(of: /\d+\.\d+(\.\d+)?-[0-9a-f]{8}/) != nil, "erts version \(erts)")
        let tree = try FileTree(at: built.root)
        var files: [String: Int] = [:]
        for (path, node) in tree.nodes {
            if case .file(let permissions, _) = node { files[path] = permissions }
        }
        let runtimeLibraries = files.keys.filter { $0.hasPrefix("erts-\(erts)/lib/") }.sorted()
        #expect(runtimeLibraries.contains("erts-\(erts)/lib/libDistillRuntime.so"))
        #expect(runtimeLibraries.contains("erts-\(erts)/lib/libswiftCore.so"))
        #expect(runtimeLibraries.contains("erts-\(erts)/lib/libswift_Concurrency.so"))
        let hostLibraries: Set<String> = ["libc.so.6", "libm.so.6", "libz.so.1", "libstdc++.so.6", "libgcc_s.so.1"]
        #expect(!runtimeLibraries.contains { hostLibraries.contains(($0 as NSString).lastPathComponent) })
        #expect(!runtimeLibraries.contains { $0.contains("Foundation") }, "the runtime does not need Foundation")
        var expected: [String: Int] = [
            "bin/kv": 0o755,
            "erts-\(erts)/bin/distill-run": 0o755,
            "lib/kv-0.1.0/ebin/kv.app": 0o644,
            "lib/kv-0.1.0/ebin/kv.snapshot": 0o644,
            "lib/kv-0.1.0/lib/libKV-0.1.0.so": 0o644,
            "releases/0.1.0/kv.rel": 0o644,
            "releases/0.1.0/sys.config": 0o644,
            "releases/0.1.0/vm.args": 0o644,
            "releases/0.1.0/kv.tar.gz": 0o644,
            "releases/RELEASES": 0o644,
            "releases/start_erl.data": 0o644,
        ]
        for library in runtimeLibraries { expected[library] = 0o644 }
        #expect(files == expected)
        for (path, node) in tree.nodes {
            if case .directory(let permissions) = node { #expect(permissions == 0o755, "\(path)") }
        }

        let root = built.root
        #expect(
            try ReleaseSpec(parsing: Self.read(root + "/releases/0.1.0/kv.rel"), file: "kv.rel")
                == ReleaseSpec(
                    name: "kv",
                    version: "0.1.0",
                    ertsVersion: erts,
                    applications: [.init(name: "kv", version: "0.1.0")]
                )
        )
        let app = try ApplicationSpec(parsing: Self.read(root + "/lib/kv-0.1.0/ebin/kv.app"), file: "kv.app")
        #expect(app.modules == ["KV", "KVSupervisor"] && app.registered == ["kv"] && app.version == "0.1.0")
        #expect(app.startModule == ApplicationSpec.StartModule(module: "KVSupervisor", arguments: []))
        let releases = try ReleasesFile(parsing: Self.read(root + "/releases/RELEASES"), file: "RELEASES")
        #expect(
            releases.releases == [
                .init(
                    name: "kv",
                    version: "0.1.0",
                    ertsVersion: erts,
                    libraries: [.init(name: "kv", version: "0.1.0", directory: "lib/kv-0.1.0")],
                    status: .permanent
                )
            ]
        )
        #expect(try Self.read(root + "/releases/start_erl.data") == "\(erts) 0.1.0")
        _ = try SysConfig(parsing: Self.read(root + "/releases/0.1.0/sys.config"), file: "sys.config")
        let snapshot = try BuildSnapshot(
            located: TermParser.parseAllLocated(Self.read(root + "/lib/kv-0.1.0/ebin/kv.snapshot"), file: "s")[0],
            file: "kv.snapshot"
        )
        #expect(snapshot.application == "kv" && snapshot.version == "0.1.0")
        #expect(snapshot.runtimeFingerprint == built.result.runtimeFingerprint)
        #expect(snapshot.modules.map(\.name) == ["KV", "KVSupervisor"])
        #expect(
            snapshot.module(named: "KV")?.state
                == StateShape(fields: [.init(name: "table", type: "[DistillTerm.Term: DistillTerm.Term]")])
        )
        #expect(snapshot.module(named: "KVSupervisor")?.references == ["KV"])
        #expect(try Self.read(root + "/bin/kv").contains("RELEASE_NAME=kv\n"))
    }

    /// SONAMEs and run paths as DistillELF reads them: the plugin under a per-version name
    /// that reaches `erts-VSN/lib` through `$ORIGIN`, nothing that looks into the toolchain.
    @Test func sharedObjectsReachTheRuntimeThroughOrigin() async throws {
        let built = try await KVReleases.v010()
        let erts = built.result.ertsVersion
        let plugin = try #require(try ELFFile(path: built.root + "/lib/kv-0.1.0/lib/libKV-0.1.0.so").dynamicInfo())
        #expect(plugin.soname == "libKV-0.1.0.so")
        #expect(plugin.runpath == ["$ORIGIN/../../../erts-\(erts)/lib"])
        #expect(plugin.needed.contains("libDistillRuntime.so"))
        let runtime = try #require(
            try ELFFile(path: built.root + "/erts-\(erts)/lib/libDistillRuntime.so").dynamicInfo()
        )
        #expect(runtime.soname == "libDistillRuntime.so" && runtime.runpath == ["$ORIGIN"])
        let launcher = try #require(try ELFFile(path: built.root + "/erts-\(erts)/bin/distill-run").dynamicInfo())
        #expect(launcher.runpath == ["$ORIGIN/../lib"])
        let toolchain = URL(fileURLWithPath: try #require(Toolchain.swift)).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().path
        for (path, node) in try FileTree(at: built.root).nodes
        where path.hasSuffix(".so") || path.hasSuffix("distill-run") {
            guard case .file(_, let contents) = node else { continue }
            let info = try ELFFile(bytes: Array(contents), name: path).dynamicInfo() ?? DynamicInfo()
            #expect(info.rpath.isEmpty, "\(path) has an RPATH")
            for entry in info.runpath {
                #expect(entry.hasPrefix("$ORIGIN"), "\(path): RUNPATH entry \(entry)")
                #expect(!entry.contains(toolchain), "\(path) looks into the toolchain")
            }
        }
    }

    /// What GNU tar lists is the release's tree (without the tarball itself), every entry
    /// owned by 0/0 at 1980-01-01, and extracting it gives the same files.
    @Test func gnuTarListsAndExtractsTheTarball() async throws {
        let built = try await KVReleases.v010()
        let listing = try runProcess("/usr/bin/env", ["tar", "-tvzf", built.tarball])
        let lines = listing.split(separator: "\n")
        let treePaths = try FileTree(at: built.root).nodes.keys.filter { $0 != "releases/0.1.0/kv.tar.gz" }
        var listed: [String] = []
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(fields[1] == "0/0", "\(line)")
            #expect(fields[3] == "1980-01-01" && fields[4] == "00:00", "\(line)")
            var path = String(fields[5...].joined(separator: " "))
            if path.hasSuffix("/") { path.removeLast() }
            listed.append(path)
        }
        #expect(listed == listed.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }))
        #expect(Set(listed) == Set(treePaths))
        let unpacked = try TemporaryDirectory(prefix: "distill-untar")
        try runProcess("/usr/bin/env", ["tar", "-xzf", built.tarball, "-C", unpacked.path])
        var expected = try FileTree(at: built.root)
        expected.nodes["releases/0.1.0/kv.tar.gz"] = nil
        #expect(try FileTree(at: unpacked.path) == expected)
    }

    /// A first deploy is `tar xzf`: the unpacked release loads its plugin into one runtime image.
    @Test func theUnpackedReleaseRunsItsPlugin() async throws {
        let built = try await KVReleases.v010()
        let unpacked = try TemporaryDirectory(prefix: "distill-deploy")
        try runProcess("/usr/bin/env", ["tar", "-xzf", built.tarball, "-C", unpacked.path])
        let output = try runProcess(
            unpacked.path + "/bin/kv",
            ["check", unpacked.path + "/lib/kv-0.1.0/lib/libKV-0.1.0.so"]
        )
        #expect(output.hasPrefix("{ok,[{loaded,kv,\"0.1.0\"},{module,'KV',server},{module,'KVSupervisor',supervisor},"))
        #expect(
            output.contains(
                "{runtime_images,[\"\(unpacked.path)/erts-\(built.result.ertsVersion)/lib/libDistillRuntime.so\"]}"
            )
        )
        #expect(output.contains("{registered,kv,'KV'}"))
    }

    /// With the toolchain hidden behind an empty tmpfs in a private mount namespace, the
    /// release still loads and starts its application: it carries everything it needs.
    @Test(.enabled(if: Toolchain.canHideToolchain, "needs 'unshare -m' and mount (root)"))
    func runsWithoutTheToolchain() async throws {
        let built = try await KVReleases.v010()
        let toolchain = try #require(Toolchain.root)
        let launcher = built.root + "/erts-\(built.result.ertsVersion)/bin/distill-run"
        let plugin = built.root + "/lib/kv-0.1.0/lib/libKV-0.1.0.so"
        let script = """
            mount -t tmpfs tmpfs '\(toolchain)' && \
            if [ -e '\(toolchain)/lib/swift/linux/libswiftCore.so' ]; then \
                echo 'toolchain still visible' >&2; exit 9; fi && \
            exec '\(launcher)' check '\(plugin)'
            """
        let output = try runProcess("/usr/bin/env", ["unshare", "-m", "sh", "-c", script])
        #expect(output.hasPrefix("{ok,[{loaded,kv,\"0.1.0\"}"))
        #expect(output.hasSuffix("{stopped,0}]}.\n"))
    }

    /// Building the same sources again gives the same tarball, byte for byte, even when
    /// SwiftPM recompiles them.
    @Test func rebuildingGivesTheSameTarball() async throws {
        let first = try await KVReleases.v010()
        let source = KVReleases.workspace.source.path
        try await KVReleases.workspace.withVersion("0.1.0") { directory in
            // New modification times make SwiftPM compile the unchanged sources again.
            for name in try FileManager.default.contentsOfDirectory(atPath: source + "/Sources/KV") {
                try FileManager.default.setAttributes(
                    [.modificationDate: Date()],
                    ofItemAtPath: directory.path + "/Sources/KV/" + name
                )
            }
        }
        let second = try await KVReleases.build("0.1.0", label: "0.1.0-again")
        #expect(second.result.tarball?.sha256 == first.result.tarball?.sha256)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: second.tarball))
                == Data(contentsOf: URL(fileURLWithPath: first.tarball))
        )
        #expect(second.result.ertsVersion == first.result.ertsVersion)
    }

    /// Building the same version again in the same place puts the earlier tarball back when
    /// the release did not change (no second of packing), and packs afresh when it did.
    @Test func anUnchangedReleaseKeepsItsTarball() async throws {
        let first = try await KVReleases.build("0.1.0", label: "in-place")
        let again = try await KVReleases.build("0.1.0", label: "in-place", fresh: false)
        #expect(again.result.tarball == first.result.tarball)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: again.tarball))
                == Data(contentsOf: URL(fileURLWithPath: first.tarball))
        )
        let entries = try FileManager.default.contentsOfDirectory(atPath: again.root + "/releases")
        #expect(entries.sorted() == ["0.1.0", "RELEASES", "start_erl.data"], "nothing left beside the release")
        let sysConfig = "%% changed\n[{kv, [{limit, 5}]}].\n"
        let config = try Self.read(KVReleases.workspace.source.path + "/rel/config").replacingOccurrences(
            of: "{release, kv, [",
            with: "{release, kv, [{sys_config, \"rel/sys.config\"},"
        )
        let changed = try await KVReleases.build(
            "0.1.0",
            overrides: ["rel/sys.config": sysConfig, "rel/config": config],
            label: "in-place",
            fresh: false
        )
        #expect(changed.result.tarball?.sha256 != first.result.tarball?.sha256)
        #expect(try Self.read(changed.root + "/releases/0.1.0/sys.config") == sysConfig)
        let unpacked = try TemporaryDirectory(prefix: "distill-changed")
        try runProcess("/usr/bin/env", ["tar", "-xzf", changed.tarball, "-C", unpacked.path])
        #expect(try Self.read(unpacked.path + "/releases/0.1.0/sys.config") == sysConfig)
    }

    /// `include_runtime` false: no `erts-VSN/`, and the plugin has no run path at all (the
    /// host provides the runtime); a path: the runtime in that directory is bundled.
    /// `dev_mode` (with the first): no tarball.
    @Test func includeRuntimeFalseOrADirectory() async throws {
        let base = try await KVReleases.v010()
        let config = try Self.read(KVReleases.workspace.source.path + "/rel/config")
        let system = try await KVReleases.build(
            "0.1.0",
            overrides: [
                "rel/config": config.replacingOccurrences(
                    of: "{include_runtime, true}",
                    with: "{include_runtime, false}, {dev_mode, true}"
                )
            ],
            label: "system-runtime"
        )
        #expect(system.result.tarball == nil)
        #expect(!FileManager.default.fileExists(atPath: system.root + "/releases/0.1.0/kv.tar.gz"))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: system.root).contains { $0.hasPrefix("erts-") }))
        let plugin = try #require(try ELFFile(path: system.root + "/lib/kv-0.1.0/lib/libKV-0.1.0.so").dynamicInfo())
        #expect(plugin.runpath == [] && plugin.rpath == [] && plugin.soname == "libKV-0.1.0.so")
        #expect(try Self.read(system.root + "/releases/start_erl.data") == "\(base.result.ertsVersion) 0.1.0")

        let erts = base.root + "/erts-\(base.result.ertsVersion)"
        let bundled = try await KVReleases.build(
            "0.1.0",
            overrides: [
                "rel/config": config.replacingOccurrences(
                    of: "{include_runtime, true}",
                    with: "{include_runtime, \"\(erts)\"}"
                )
            ],
            label: "directory-runtime"
        )
        let ertsVersion = bundled.result.ertsVersion
        #expect(ertsVersion != base.result.ertsVersion, "a linked runtime is fingerprinted another way")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: bundled.root + "/erts-\(ertsVersion)/lib").sorted()
                == FileManager.default.contentsOfDirectory(atPath: erts + "/lib").sorted()
        )
        let output = try runProcess(
            bundled.root + "/erts-\(ertsVersion)/bin/distill-run",
            ["check", bundled.root + "/lib/kv-0.1.0/lib/libKV-0.1.0.so"]
        )
        #expect(output.hasPrefix("{ok,[{loaded,kv,\"0.1.0\"}"))
    }

    /// Comments and blank lines change no fingerprint; 0.2.0 changes KV's code and nothing else.
    @Test func fingerprintsFollowTheCode() async throws {
        let base = try await KVReleases.v010()
        let kvSource = try String(
            contentsOf: KVReleases.workspace.source.appendingPathComponent("Sources/KV/KV.swift"),
            encoding: .utf8
        )
        let commented =
            "// A comment on top.\n\n\n"
            + kvSource.replacingOccurrences(
                of: "public init() {}",
                with: "\n// Nothing to set up.\npublic init() {}\n\n"
            )
        let recommented = try await KVReleases.build(
            "0.1.0",
            overrides: ["Sources/KV/KV.swift": commented],
            label: "0.1.0-comments"
        )
        let snapshot = { (built: KVReleases.Built, version: String) throws -> BuildSnapshot in
            let path = built.root + "/lib/kv-\(version)/ebin/kv.snapshot"
            return try BuildSnapshot(located: TermParser.parseAllLocated(Self.read(path), file: path)[0], file: path)
        }
        #expect(try snapshot(recommented, "0.1.0") == snapshot(base, "0.1.0"))
        let upgraded = try await KVReleases.v020()
        let old = try snapshot(base, "0.1.0")
        let new = try snapshot(upgraded, "0.2.0")
        #expect(new.module(named: "KV")?.fingerprint != old.module(named: "KV")?.fingerprint)
        #expect(new.module(named: "KVSupervisor") == old.module(named: "KVSupervisor"))
        #expect(new.runtimeFingerprint == old.runtimeFingerprint)
    }

    /// 0.2.0 from 0.1.0's tarball: a soft update of KV, in the appup, the relup and the plan.
    @Test func buildsTheUpgradeFromThePreviousTarball() async throws {
        let built = try await KVReleases.v020()
        let upgrade = try #require(built.result.upgrades.first)
        #expect(upgrade.from == "0.1.0")
        let application = try #require(upgrade.plan.applications.first)
        #expect(application.name == "kv" && application.fromVersion == "0.1.0" && application.toVersion == "0.2.0")
        #expect(application.changes.softUpdated == ["KV"])
        #expect(application.changes.supervisorUpdated == [] && application.changes.loaded == [])
        #expect(!upgrade.plan.runtimeChanged)
        #expect(upgrade.plan.description == "kv 0.1.0 -> 0.2.0 (generated appup)\n  update   KV (soft)")

        let appup = try Appup(parsing: Self.read(built.root + "/lib/kv-0.2.0/ebin/kv.appup"), file: "kv.appup")
        #expect(
            TermPrinter.printCompact(appup.term)
                == "{\"0.2.0\",[{\"0.1.0\",[{update,'KV',[]}]}],[{\"0.1.0\",[{update,'KV',[]}]}]}"
        )
        let relup = try Relup(parsing: Self.read(built.root + "/releases/0.2.0/relup"), file: "relup")
        #expect(
            TermPrinter.printCompact(relup.term)
                == "{\"0.2.0\",[{\"0.1.0\",[],[{load_object_code,{kv,\"0.2.0\",['KV']}},point_of_no_return,"
                + "{suspend,['KV']},{load,{'KV',brutal_purge,brutal_purge}},{resume,['KV']}]}],"
                + "[{\"0.1.0\",[],[{load_object_code,{kv,\"0.1.0\",['KV']}},point_of_no_return,"
                + "{suspend,['KV']},{load,{'KV',brutal_purge,brutal_purge}},{resume,['KV']}]}]}"
        )
        let entries = try ReleaseArchive.list(built.tarball).map(\.path)
        #expect(entries.contains("lib/kv-0.2.0/ebin/kv.appup") && entries.contains("releases/0.2.0/relup"))
        #expect(!entries.contains { $0.hasPrefix("lib/kv-0.1.0") || $0.hasPrefix("releases/0.1.0") })
        #expect(try Self.read(built.root + "/releases/start_erl.data") == "\(built.result.ertsVersion) 0.2.0")
    }
}
