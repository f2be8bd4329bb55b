//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import DistillRuntime

/// One release handler per node (issue 13, item 5): the control socket answers before the
/// boot attaches the handler, and a command that comes in between made a handler of its own,
/// which the boot's then replaced: two handlers, each thinking itself alone.
struct ReleaseHandlerAttachTests {
    /// A node booted from a release of no applications.
    private func bootEmptyRelease() throws -> (ReleaseNode, TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "distill-attach")
        let tree = ReleaseTree(root: directory.url.path, name: "empty")
        try tree.install(ReleaseTree.Version(version: "1.0.0", erts: "0.0.1", applications: []))
        let paths = ReleasePaths(root: directory.url.path, name: "empty")
        let plan = try BootPlan.read(paths: paths, environment: [:])
        let node = Node(
            configuration: .init(schedulers: 2, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        )
        return (try ReleaseNode.boot(plan: plan, node: node), directory)
    }

    @Test func aCommandBeforeTheBootsAttachGetsTheSameHandler() throws {
        let (release, directory) = try bootEmptyRelease()
        defer { release.node.shutdown() }
        // A command first (the socket answers before nodeDidBoot), then the boot's attach.
        let command = try ReleaseHandler.attached(to: release)
        let boot = try ReleaseHandler.attach(to: release, environment: [:])
        #expect(command === boot)
        #expect(try ReleaseHandler.attached(to: release) === boot)
        withExtendedLifetime(directory) {}
    }

    @Test func concurrentCommandsAndTheBootShareOneHandler() throws {
        let (release, directory) = try bootEmptyRelease()
        defer { release.node.shutdown() }
        let handlers = Mutex<[ObjectIdentifier]>([])
        let group = DispatchGroup()
        for index in 0..<16 {
            DispatchQueue.global().async(group: group) {
                let handler =
                    index == 8
                    ? try? ReleaseHandler.attach(to: release, environment: [:])
                    : try? ReleaseHandler.attached(to: release)
                handlers.withLock { $0.append(handler.map(ObjectIdentifier.init) ?? ObjectIdentifier(NSNull.self)) }
            }
        }
        group.wait()
        let seen = handlers.withLock { Set($0) }
        #expect(seen.count == 1)
        #expect(seen.first == ObjectIdentifier(try ReleaseHandler.attached(to: release)))
        withExtendedLifetime(directory) {}
    }

    /// `pthread_create` failing (here: a stack no system can give) is an error to handle,
    /// not a trap.
    @Test func aThreadThatCannotStartIsAnErrorNotATrap() {
        let ran = Mutex(false)
        let result = tryStartThread(name: "too-big", stackSize: 1 << 50) { ran.withLock { $0 = true } }
        #expect(result != 0)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(!ran.withLock { $0 })
    }
}
