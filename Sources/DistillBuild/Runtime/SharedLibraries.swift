//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import Foundation

/// Follows `DT_NEEDED` from a set of ELF files to the shared libraries a release must
/// carry: those found through the files' `DT_RUNPATH`/`DT_RPATH` (with `$ORIGIN`
/// expanded) in a directory that is not the system's (the toolchain's
/// `usr/lib/swift/linux`, SwiftPM's build directory). Libraries of the system (`libc`,
/// `libm`, `libstdc++`, `libz`: Debian's base) stay on the host.
struct SharedLibraries {
    /// Directories whose libraries belong to the host.
    static let systemDirectories = [
        "/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
    ]

    /// The libraries to bundle: file name → where it was found.
    private(set) var bundled: [String: String] = [:]
    /// Libraries the host provides, by name, with the file that needs each first.
    private(set) var system: [String: String] = [:]
    /// Each bundled library's `DT_NEEDED` entries.
    private(set) var needs: [String: [String]] = [:]

    /// Names that must not be resolved to a file (the plugins: a plugin needing one is an error
    /// the caller reports), with the path of the file each stands for.
    var excluded: [String: String] = [:]

    /// Adds what `path` needs (and what that needs), found through `path`'s run paths.
    /// - Parameter searchPaths: directories searched after the file's own run paths.
    mutating func collect(neededBy path: String, searchPaths: [String] = []) throws(BuildError) {
        var queue = [(path, searchPaths)]
        while let (current, extra) = queue.popLast() {
            let info = try Self.dynamicInfo(current)
            let origin = (current as NSString).deletingLastPathComponent
            let runPaths = (info.runpath.isEmpty ? info.rpath : info.runpath).map {
                $0.replacingOccurrences(of: "$ORIGIN", with: origin).replacingOccurrences(of: "${ORIGIN}", with: origin)
            }
            for name in info.needed where bundled[name] == nil && system[name] == nil && excluded[name] == nil {
                guard let found = Self.find(name, in: runPaths + extra) else {
                    if Self.find(name, in: Self.systemDirectories) != nil {
                        system[name] = current
                        continue
                    }
                    throw BuildError(
                        code: .invalidBinary,
                        message: "cannot find '\(name)', which '\(current)' needs, in its run path "
                            + "(\(runPaths.joined(separator: ":"))) or the system's library directories"
                    )
                }
                if Self.isSystem(found) {
                    system[name] = current
                    continue
                }
                bundled[name] = found
                needs[name] = try Self.dynamicInfo(found).needed
                queue.append((found, extra))
            }
        }
    }

    /// The dynamic section of `path` (empty for a static executable).
    static func dynamicInfo(_ path: String) throws(BuildError) -> DynamicInfo {
        do {
            return try ELFFile(path: path).dynamicInfo() ?? DynamicInfo()
        } catch {
            throw BuildError(code: .invalidBinary, message: "cannot read the ELF file '\(path)': \(error)")
        }
    }

    static func find(_ name: String, in directories: [String]) -> String? {
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func isSystem(_ path: String) -> Bool {
        let directory = ((path as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
        return systemDirectories.contains(directory)
    }
}
