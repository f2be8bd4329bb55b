//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The Swift toolchain the tests run with, and whether it can be hidden from a process.
enum Toolchain {
    /// The first `swift` on `PATH`.
    static let swift: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/swift"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// The toolchain's `usr` directory (`/opt/swift/usr`): what `bin/swift` and `lib/swift/linux` are in.
    static let root: String? = swift.map {
        URL(fileURLWithPath: $0).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Whether a test may hide the toolchain: `unshare -m` (a private mount namespace) and
    /// mounting a tmpfs need root, which CI has.
    static let canHideToolchain: Bool = {
        guard getuid() == 0, root != nil else { return false }
        return ["/usr/bin/unshare", "/bin/unshare"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether a test may mount a tmpfs (root).
    static let canMount: Bool = getuid() == 0
}
