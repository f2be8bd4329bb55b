//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// The story `make demo` tells, with releases `swift-distill release` built from
/// `Fixtures/kv`: deploy 0.1.0 as `tar -xzf` would, start it, store data, hot-upgrade it to
/// 0.2.0 (a soft update) and to 0.3.0 (a new state shape), then downgrade to 0.1.0; and an
/// upgrade whose `codeChange` throws, rolled back with the data intact.
@Suite(.serialized)
struct EndToEndTests {
    @Test func deployUpgradeAcrossAStateChangeAndDowngrade() async throws {
        let releases = [try await KVReleases.v010(), try await KVReleases.v020(), try await KVReleases.v030()]
        let node = try DeployedRelease(name: "kv", deploying: releases[0].tarball)
        defer { node.stopIfRunning() }
        let started = try node.expectSuccess(["start"])
        #expect(started.hasPrefix("kv started (pid "), "\(started)")
        #expect(try node.rpc("kv", "{put, a, 42}") == "ok")
        #expect(try node.rpc("kv", "{put, <<\"b\">>, [1, 2]}") == "ok")
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        let pid = try node.expectSuccess(["pid"])

        try node.place(releases[1].tarball, version: releases[1].result.version)
        let upgraded = try node.expectSuccess(["upgrade", "0.2.0"])
        #expect(upgraded.contains("made 0.2.0 permanent"), "\(upgraded)")
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        // 0.2.0's new code logs every request.
        #expect(node.log.contains("request"))
        #expect(node.startErlData.hasSuffix(" 0.2.0"))

        try node.place(releases[2].tarball, version: releases[2].result.version)
        try node.expectSuccess(["upgrade", "0.3.0"])
        // The state changed shape (a hit count per key); the data came along.
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        #expect(try node.rpc("kv", "{hits, a}") == "2")
        #expect(try node.rpc("kv", "keys") == "[a,<<\"b\">>]")

        // Down to 0.1.0 in one step: 0.3.0's relup has a down script to each base release.
        let downgraded = try node.expectSuccess(["downgrade", "0.1.0"])
        #expect(downgraded.hasSuffix("\nmade 0.1.0 permanent"), "\(downgraded)")
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        #expect(try node.rpc("kv", "{get, <<\"b\">>, nil}") == "[1,2]")
        #expect(try node.rpc("kv", "{hits, a}") == "{error,{badarg,{hits,a}}}")
        #expect(node.startErlData.hasSuffix(" 0.1.0"))
        // The same operating-system process all along.
        #expect(try node.expectSuccess(["pid"]) == pid)
    }

    @Test func aThrowingCodeChangeRollsBackWithTheDataIntact() async throws {
        let releases = [try await KVReleases.v010(), try await KVReleases.v030()]
        let node = try DeployedRelease(name: "kv", deploying: releases[0].tarball)
        defer { node.stopIfRunning() }
        try node.expectSuccess(["start"])
        #expect(try node.rpc("kv", "{put, a, 42}") == "ok")
        #expect(try node.rpc("kv", "{put, refuse_upgrade, true}") == "ok")
        try node.place(releases[1].tarball, version: releases[1].result.version)

        let failure = try node.run(["upgrade", "0.3.0"])
        #expect(failure.status != 0)
        #expect(failure.stderr.contains("kv 0.3.0 refuses a table holding refuse_upgrade"), "\(failure)")
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        #expect(try node.rpc("kv", "{hits, a}") == "{error,{badarg,{hits,a}}}")
        #expect(node.startErlData.hasSuffix(" 0.1.0"))

        // Once the data allows it, the same release installs.
        #expect(try node.rpc("kv", "{delete, refuse_upgrade}") == "ok")
        try node.expectSuccess(["upgrade", "0.3.0"])
        #expect(try node.rpc("kv", "{get, a, nil}") == "42")
        #expect(try node.rpc("kv", "{hits, a}") == "1")
    }
}
