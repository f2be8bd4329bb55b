//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation

/// The Swift toolchain and binutils the tests compile and compare with.
enum Toolchain {
    /// `swiftc` next to the `swift` that runs the tests, or on `PATH`.
    static let swiftc: String = findExecutable("swiftc") ?? "/opt/swift/usr/bin/swiftc"
    /// The toolchain's `clang`, which can emit objects for other machines (AArch64).
    static var clang: String {
        URL(fileURLWithPath: swiftc).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(
            "clang"
        ).path
    }
    /// `readelf` from binutils, if installed.
    static let readelf: String? = findExecutable("readelf")
    /// `objdump` from binutils, if installed.
    static let objdump: String? = findExecutable("objdump")

    /// The toolchain's `usr/lib/swift/linux` directory, where the runtime libraries are.
    static var runtimeDirectory: String {
        URL(fileURLWithPath: swiftc).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("lib/swift/linux").path
    }

    static func runtimeLibrary(_ name: String) -> String { runtimeDirectory + "/" + name }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
