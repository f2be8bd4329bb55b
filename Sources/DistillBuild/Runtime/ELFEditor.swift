//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import Foundation

/// Edits the copies of ELF files a release ships: `patchelf` sets a library's `DT_SONAME`
/// and a file's `DT_RUNPATH`; `strip --strip-debug` removes debug information.
///
/// Both tools come from Debian's packages (`patchelf`, `binutils`), which
/// `scripts/install-deps.sh` installs. Only copies are edited, never SwiftPM's products.
struct ELFEditor {
    var patchelf: String
    var strip: String?

    /// Finds the tools on `PATH`; `strip` only if `needsStrip`.
    init(needsStrip: Bool) throws(BuildError) {
        guard let patchelf = ChildProcess.find("patchelf") else {
            throw BuildError(
                code: .toolFailed,
                message: "cannot find 'patchelf' on PATH: the release's libraries need their SONAME and RUNPATH set",
                notes: ["install it: apt-get install patchelf (scripts/install-deps.sh does)"]
            )
        }
        self.patchelf = patchelf
        if needsStrip {
            guard let strip = ChildProcess.find("strip") else {
                throw BuildError(
                    code: .toolFailed,
                    message: "cannot find 'strip' on PATH, which strip_debug_info needs",
                    notes: ["install it: apt-get install binutils"]
                )
            }
            self.strip = strip
        } else {
            strip = nil
        }
    }

    /// Sets the SONAME (if given) and replaces the run path of `file` (`[]` removes it),
    /// then reads the file back to check (patchelf 0.14 applies only one of several
    /// operations given in one call, so each gets its own).
    func patch(_ file: String, soname: String? = nil, runpath: [String]) throws(BuildError) {
        if let soname {
            try run(patchelf, ["--set-soname", soname, file], what: "set the SONAME of '\(file)'")
        }
        if runpath.isEmpty {
            try run(patchelf, ["--remove-rpath", file], what: "remove the RUNPATH of '\(file)'")
        } else {
            try run(
                patchelf,
                ["--set-rpath", runpath.joined(separator: ":"), file],
                what: "set the RUNPATH of '\(file)'"
            )
        }
        let info = try SharedLibraries.dynamicInfo(file)
        guard soname == nil || info.soname == soname, info.runpath == runpath, info.rpath.isEmpty else {
            throw BuildError(
                code: .toolFailed,
                message: "patchelf left '\(file)' with SONAME \(info.soname ?? "none") and RUNPATH "
                    + "'\(info.runpath.joined(separator: ":"))' instead of \(soname ?? "its own") and "
                    + "'\(runpath.joined(separator: ":"))'"
            )
        }
    }

    /// Removes debug sections from `file`, keeping its symbol table (nothing to do, and no
    /// `strip` to run, for a file without them: the toolchain's libraries come stripped).
    func stripDebugInfo(_ file: String) throws(BuildError) {
        guard let strip else { return }
        let sections = (try? ELFFile(path: file).sections) ?? []
        guard sections.contains(where: { $0.name.hasPrefix(".debug_") || $0.name.hasPrefix(".zdebug_") }) else {
            return
        }
        try run(strip, ["--strip-debug", "--enable-deterministic-archives", file], what: "strip '\(file)'")
    }

    private func run(_ tool: String, _ arguments: [String], what: String) throws(BuildError) {
        let result = try ChildProcess.run(tool, arguments)
        guard result.succeeded else {
            throw BuildError(
                code: .toolFailed,
                message: "cannot \(what): \((tool as NSString).lastPathComponent) failed",
                detail: result.errors + result.output
            )
        }
    }
}
