//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation
import Testing

@testable import distill_bench

struct OTPBaselineTests {
    /// The baseline the release benchmarks compare against still works: the OTP kv release
    /// builds from bench/otp's sources (erlc + systools, ERTS included), boots with bin/kv, and
    /// bin/kv upgrades and downgrades it through release_handler with every key kept (run.sh
    /// checks the data and the state's shape after every step, and fails otherwise).
    @Test(.requiresErlang, .timeLimit(.minutes(2)))
    func releaseUpgradesAndDowngradesKeepingItsData() throws {
        let directory = try TemporaryDirectory(prefix: "distill-otp-baseline")
        let release = try OTPBaseline.build(directory: directory.url)
        #expect(release.buildTime.values.count == 1)
        for version in ["0.1.0", "0.2.0", "0.3.0"] {
            // ERTS is in the tarball: beam.smp alone is megabytes.
            #expect((release.tarballBytes[version] ?? 0) > 4_000_000, "kv-\(version).tar.gz")
        }
        #expect(release.unpackedBytes > (release.tarballBytes["0.1.0"] ?? 0))

        let steps = try release.upgrade(runs: 1, keys: 1_000)
        #expect(
            steps.map(\.label) == [
                "upgrade 0.1.0 -> 0.2.0", "upgrade 0.2.0 -> 0.3.0", "downgrade 0.3.0 -> 0.2.0",
                "downgrade 0.2.0 -> 0.1.0",
            ]
        )
        for step in steps {
            #expect(step.installRelease.values.count == 1, "\(step.label)")
            #expect(step.idleInstallRelease.values.count == 1, "\(step.label)")
            #expect(step.unpackRelease.values.count == (step.isDowngrade ? 0 : 1), "\(step.label)")
            #expect(step.calls.max > 0, "\(step.label): the client made no call during the command")
            #expect(step.failedCalls.max == 0, "\(step.label)")
            #expect(step.wrongReplies.max == 0, "\(step.label)")
            #expect(step.command.max > step.installRelease.max, "\(step.label)")
        }
    }

    @Test func figuresAreReadByMeasureAndCaseInRunOrder() throws {
        let figures = try OTPFigures(
            parsing: """
                {"bench":"otp","measure":"install_release","case":"0.1.0->0.2.0","run":2,"value":0.005,"unit":"s"}
                {"bench":"otp","measure":"install_release","case":"0.1.0->0.2.0","run":1,"value":0.004,"unit":"s"}
                {"bench":"otp","measure":"install_release","case":"0.2.0->0.3.0","run":1,"value":0.009,"unit":"s"}
                {"bench":"otp","measure":"tarball_bytes","case":"0.1.0","run":1,"value":8329764,"unit":"bytes"}

                """
        )
        #expect(try figures.stats("install_release", "0.1.0->0.2.0").values == [0.004, 0.005])
        #expect(try figures.stats("tarball_bytes", "0.1.0").values == [8_329_764])
        #expect(figures.optionalStats("unpack_release", "0.3.0->0.2.0").values.isEmpty)
        #expect(throws: BenchmarkError.self) { try figures.stats("unpack_release", "0.3.0->0.2.0") }
    }

    @Test func aLineThatIsNotAFigureIsAnError() {
        #expect(throws: BenchmarkError.self) { try OTPFigures(parsing: "otp: build 1/1\n") }
    }
}
