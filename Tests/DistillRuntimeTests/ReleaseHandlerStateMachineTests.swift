//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillRuntime
import Testing

private typealias Machine = ReleaseHandlerStateMachine
private typealias Release = ReleasesFile.Release

private func release(_ version: String, _ status: Release.Status, erts: String = "e1") -> Release {
    Release(
        name: "kv",
        version: version,
        ertsVersion: erts,
        libraries: [.init(name: "kv", version: version, directory: "lib/kv-\(version)")],
        status: status
    )
}

private func statuses(_ machine: Machine) -> [String: Release.Status] {
    Dictionary(uniqueKeysWithValues: machine.releases.map { ($0.version, $0.status) })
}

private func refusal(_ body: () throws -> Void) -> ReleaseHandlerError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ReleaseHandlerError
    }
}

struct ReleaseHandlerStateMachineTests {
    @Test func aBootOfTheUnpackedReleaseMakesItCurrent() {
        let machine = Machine(releases: [release("0.2", .unpacked), release("0.1", .permanent)], booted: "0.2")
        #expect(statuses(machine) == ["0.2": .current, "0.1": .permanent])
        // On disk, current is written as unpacked (OTP).
        #expect(machine.file.releases.map(\.status) == [.unpacked, .permanent])
    }

    @Test func unpackInstallAndMakePermanentMoveStatusesAsOTPDoes() throws {
        var machine = Machine(releases: [release("0.1", .permanent)], booted: "0.1")
        let file = machine.didUnpack(release("0.2", .unpacked))
        #expect(file.releases.map(\.version) == ["0.2", "0.1"])
        #expect(try machine.checkInstall("0.2") == Machine.Transition(from: "0.1", to: "0.2"))
        machine.didInstall("0.2")
        #expect(statuses(machine) == ["0.2": .current, "0.1": .permanent])
        #expect(machine.running == "0.2")
        let files = try #require(try machine.checkMakePermanent("0.2"))
        #expect(files.startErlData == StartErlData(ertsVersion: "e1", releaseVersion: "0.2"))
        #expect(files.releases.releases.map(\.status) == [.permanent, .old])
        // Nothing changes in memory until the files are written.
        #expect(statuses(machine) == ["0.2": .current, "0.1": .permanent])
        machine.didMakePermanent("0.2")
        #expect(statuses(machine) == ["0.2": .permanent, "0.1": .old])
        #expect(try machine.checkMakePermanent("0.2") == nil)
    }

    @Test func installingAnotherReleaseMakesTheCurrentOneOld() throws {
        var machine = Machine(
            releases: [release("0.3", .unpacked), release("0.2", .unpacked), release("0.1", .permanent)],
            booted: "0.1"
        )
        machine.didInstall("0.2")
        machine.didInstall("0.3")
        #expect(statuses(machine) == ["0.3": .current, "0.2": .old, "0.1": .permanent])
        // Going back to the permanent release keeps it permanent.
        machine.didInstall("0.1")
        #expect(statuses(machine) == ["0.3": .old, "0.2": .old, "0.1": .permanent])
    }

    @Test func aSecondCommandWhileOneRunsIsRefused() throws {
        var machine = Machine(releases: [release("0.1", .permanent)], booted: "0.1")
        try machine.begin(.upgrade(version: "0.2"))
        let error = refusal { try machine.begin(.upgrade(version: "0.3")) }
        #expect(
            error
                == ReleaseHandlerError(
                    .busy,
                    "cannot start upgrading to 0.3: the release handler is upgrading to 0.2; wait for it to finish"
                )
        )
        machine.end()
        try machine.begin(.remove(version: "0.3"))
    }

    @Test(arguments: [
        ("0.9", ReleaseHandlerError.Code.noSuchRelease, "no release 0.9 is unpacked or installed"),
        ("0.1", .alreadyInstalled, "release 0.1 is the one running"),
    ])
    func installIsRefused(version: String, code: ReleaseHandlerError.Code, message: String) {
        let machine = Machine(releases: [release("0.2", .unpacked), release("0.1", .permanent)], booted: "0.1")
        #expect(refusal { _ = try machine.checkInstall(version) } == ReleaseHandlerError(code, message))
    }

    @Test func onlyTheRunningReleaseCanBeMadePermanent() {
        let machine = Machine(releases: [release("0.2", .unpacked), release("0.1", .permanent)], booted: "0.1")
        #expect(
            refusal { _ = try machine.checkMakePermanent("0.2") }
                == ReleaseHandlerError(.badStatus, "release 0.2 is unpacked, not running; install it first")
        )
    }

    @Test func removeNeverTakesThePermanentOrTheRunningRelease() throws {
        let machine = Machine(
            releases: [release("0.3", .unpacked), release("0.2", .unpacked), release("0.1", .permanent)],
            booted: "0.2"
        )
        #expect(refusal { _ = try machine.checkRemove("0.1") }?.code == .permanentRelease)
        #expect(refusal { _ = try machine.checkRemove("0.2") }?.code == .permanentRelease)
        let removal = try machine.checkRemove("0.3")
        #expect(removal.libraryDirectories == ["lib/kv-0.3"])
        #expect(removal.ertsVersion == nil)
        #expect(removal.releases.releases.map(\.version) == ["0.2", "0.1"])
    }

    @Test func removeKeepsLibrariesAndRuntimesOtherReleasesUse() throws {
        var shared = release("0.3", .unpacked, erts: "e2")
        shared.libraries.append(.init(name: "base", version: "1.0", directory: "lib/base-1.0"))
        var other = release("0.1", .permanent)
        other.libraries.append(.init(name: "base", version: "1.0", directory: "lib/base-1.0"))
        let machine = Machine(releases: [shared, other], booted: "0.1")
        let removal = try machine.checkRemove("0.3")
        #expect(removal.libraryDirectories == ["lib/kv-0.3"])
        #expect(removal.ertsVersion == "e2")
    }

    @Test func upgradeGoesOnWhereItStopped() throws {
        let machine = Machine(releases: [release("0.2", .unpacked), release("0.1", .permanent)], booted: "0.1")
        #expect(try machine.upgradeSteps("0.3") == .init(unpack: true, install: true))
        #expect(try machine.upgradeSteps("0.2") == .init(unpack: false, install: true))
        let installed = Machine(releases: [release("0.2", .unpacked), release("0.1", .permanent)], booted: "0.2")
        #expect(try installed.upgradeSteps("0.2") == .init(unpack: false, install: false))
        #expect(refusal { _ = try machine.upgradeSteps("0.1") }?.code == .alreadyInstalled)
    }

    @Test func aFailedHealthCheckGoesBackToThePreviousRelease() {
        var machine = Machine(releases: [release("0.2", .unpacked), release("0.1", .permanent)], booted: "0.1")
        machine.didInstall("0.2")
        #expect(machine.healthCheckFailed(installed: "0.2", previous: "0.1") == .init(from: "0.2", to: "0.1"))
        machine.didInstall("0.1")
        #expect(machine.healthCheckFailed(installed: "0.2", previous: "0.1") == nil)
    }

    @Test(arguments: [(15, 1, 16, false), (16, 1, 16, true), (20, 0, 16, false), (3, 2, 4, true)])
    func theImageLimitAdvisesARestart(loaded: Int, adding: Int, limit: Int, refused: Bool) {
        let error = refusal { try Machine.checkImageLimit(loaded: loaded, adding: adding, limit: limit) }
        #expect((error != nil) == refused)
        if refused {
            #expect(
                error?.message
                    == "\(loaded) images loaded and the upgrade needs \(adding) more (limit \(limit)); "
                    + "restart the node (bin/REL restart) to drop old ones"
            )
        }
    }

    // MARK: - Crash recovery

    @Test func aMakePermanentCutBetweenItsTwoRenamesIsUndoneAtBoot() throws {
        // RELEASES was renamed into place, start_erl.data was not.
        let written = ReleasesFile(releases: [release("0.2", .permanent), release("0.1", .old)])
        let repaired = try #require(
            Machine.reconcile(written, startErlData: StartErlData(ertsVersion: "e1", releaseVersion: "0.1"))
        )
        #expect(repaired.releases.map(\.status) == [.unpacked, .permanent])
    }

    @Test func consistentFilesNeedNoRepair() {
        let file = ReleasesFile(releases: [release("0.2", .unpacked), release("0.1", .permanent)])
        #expect(Machine.reconcile(file, startErlData: StartErlData(ertsVersion: "e1", releaseVersion: "0.1")) == nil)
    }
}
