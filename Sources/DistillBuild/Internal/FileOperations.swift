//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Glibc

/// The file operations that assemble a release, each failing with a ``BuildError`` that
/// names the path (``BuildError/Code/outputNotWritable``).
enum FileOperations {
    static func makeDirectory(_ path: String) throws(BuildError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755]
            )
        } catch {
            throw failure("cannot create directory '\(path)'", error)
        }
    }

    static func remove(_ path: String) throws(BuildError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw failure("cannot remove '\(path)'", error)
        }
    }

    /// Writes `text` to `path` (creating its directory) with `mode`.
    static func write(_ text: String, to path: String, mode: Int = 0o644) throws(BuildError) {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw failure("cannot write '\(path)'", error)
        }
        try setMode(mode, of: path)
    }

    /// Copies the file `source` to `destination` (replacing it), mode 0755 if `executable`
    /// (default: as the source), else 0644.
    static func copyFile(_ source: String, to destination: String, executable: Bool? = nil) throws(BuildError) {
        try makeDirectory((destination as NSString).deletingLastPathComponent)
        try remove(destination)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: destination)
        } catch {
            throw failure("cannot copy '\(source)' to '\(destination)'", error)
        }
        let isExecutable = executable ?? FileManager.default.isExecutableFile(atPath: source)
        try setMode(isExecutable ? 0o755 : 0o644, of: destination)
    }

    /// Copies `source` (a file, or a directory and everything in it) to `destination`:
    /// directories 0755, files 0755 or 0644 as their source is executable or not, symbolic
    /// links as links.
    static func copyTree(_ source: String, to destination: String) throws(BuildError) {
        var info = stat()
        guard lstat(source, &info) == 0 else {
            throw BuildError(code: .invalidTemplate, message: "'\(source)' does not exist")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            try makeDirectory(destination)
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
            } catch {
                throw failure("cannot read directory '\(source)'", error)
            }
            for name in names { try copyTree(source + "/" + name, to: destination + "/" + name) }
        case S_IFLNK:
            try makeDirectory((destination as NSString).deletingLastPathComponent)
            try remove(destination)
            do {
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: source)
                try FileManager.default.createSymbolicLink(atPath: destination, withDestinationPath: target)
            } catch {
                throw failure("cannot copy the link '\(source)'", error)
            }
        default:
            try copyFile(source, to: destination)
        }
    }

    static func setMode(_ mode: Int, of path: String) throws(BuildError) {
        guard chmod(path, mode_t(mode)) == 0 else {
            throw BuildError(
                code: .outputNotWritable,
                message: "cannot set the permissions of '\(path)': \(String(cString: strerror(errno)))"
            )
        }
    }

    /// Whether `path` is a directory this process can write into (creating it if needed).
    static func ensureWritableDirectory(_ path: String) throws(BuildError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BuildError(
                code: .outputNotWritable,
                message: "cannot create the output directory '\(path)': \(reason(error))"
            )
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw BuildError(
                code: .outputNotWritable,
                message: "the output directory '\(path)' is not writable: \(String(cString: strerror(errno)))"
            )
        }
    }

    private static func failure(_ message: String, _ error: any Error) -> BuildError {
        BuildError(code: .outputNotWritable, message: "\(message): \(reason(error))")
    }

    /// The system's reason behind a Foundation error, if there is one.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }
}
