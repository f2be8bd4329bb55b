//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import Foundation

/// Edits the copies of ELF files a release ships: `patchelf` sets a library's `DT_SONAME`
/// and a file's `DT_RUNPATH`; `strip --strip-debug` removes debug information; the GNU
/// build-id of a stripped file is recomputed over what remains.
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

    /// Sets the GNU build-id of the stripped `file` to the first bytes of a SHA-256 over the
    /// file with its build-id zeroed (nothing to do without one).
    ///
    /// The linker's build-id hashes what it wrote, debug information included, and that
    /// differs between two builds of the same sources: the signatures of imported Clang
    /// modules cover their module maps' modification times, and paths name the directory.
    /// `strip` removes the debug information but not the build-id, which then was the only
    /// difference between two clean builds (issue 19). Recomputed over the stripped file,
    /// it names exactly the bytes that ship; it no longer matches the unstripped file in the
    /// build directory, which the release does not ship.
    func recomputeBuildID(_ file: String) throws(BuildError) {
        guard let range = try Self.buildIDRange(file) else { return }
        guard var bytes = FileManager.default.contents(atPath: file) else {
            throw BuildError(code: .invalidBinary, message: "cannot read '\(file)' to set its build-id")
        }
        bytes.replaceSubrange(range, with: repeatElement(0, count: range.count))
        var hasher = SHA256()
        hasher.update(bytes)
        let identifier = Data(hasher.finalize().prefix(range.count))
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(range.lowerBound))
            try handle.write(contentsOf: identifier)
        } catch {
            throw BuildError(code: .invalidBinary, message: "cannot write the build-id of '\(file)': \(error)")
        }
    }

    /// Where the descriptor of the GNU note in `file`'s `.note.gnu.build-id` section is
    /// (read from that section alone; the ELF file is unmapped before this returns).
    static func buildIDRange(_ file: String) throws(BuildError) -> Range<Int>? {
        let elf: ELFFile
        do {
            elf = try ELFFile(path: file)
        } catch {
            throw BuildError(code: .invalidBinary, message: "cannot read '\(file)': \(error)")
        }
        guard let section = elf.section(named: ".note.gnu.build-id") else { return nil }
        // One note: name size, descriptor size, type (NT_GNU_BUILD_ID = 3), "GNU\0", descriptor.
        let note = elf.contents(of: section)
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(note[at + $1]) << (8 * $1) } }
        guard note.count >= 16, u32(0) == 4, u32(8) == 3, Array(note[12..<16]) == Array("GNU\0".utf8),
            (1...32).contains(u32(4)), note.count >= 16 + u32(4)
        else {
            throw BuildError(
                code: .invalidBinary,
                message: "cannot set the build-id of '\(file)': its section '.note.gnu.build-id' does not hold "
                    + "one GNU build-id note of 1 to 32 bytes"
            )
        }
        let start = Int(section.offset) + 16
        return start..<start + u32(4)
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
