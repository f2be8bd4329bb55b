//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import Foundation
import Glibc

/// The runtime a release runs on (OTP's ERTS): the launcher `distill-run`,
/// `libDistillRuntime.so`, and the shared libraries they and the plugins need that the
/// host does not provide (the Swift runtime; Foundation and ICU for a plugin that imports
/// Foundation). `include_runtime` bundles it as `erts-VSN/bin` and `erts-VSN/lib`.
///
/// **The version** (``ertsVersion``, written to the `.rel`, `RELEASES`, `start_erl.data`
/// and the directory's name) is `SWIFT-FINGERPRINT`: the toolchain's version and the first
/// 8 hexadecimal digits of ``fingerprint``, a SHA-256 over
/// - every symbol of the object files linked into libDistillRuntime.so and the launcher
///   with its DistillELF code fingerprint (so it changes with the runtime's code, and does
///   not change when the same sources are rebuilt or only comments change: debug
///   information and line numbers are not part of a fingerprint);
/// - the name and GNU build-id (or, without one, SHA-256) of every other bundled library.
///
/// Any change there is one the node cannot take while running: the relup compiler sees
/// another `erts` version and plans `restart_new_emulator`. Plugins record
/// ``fingerprint`` in their snapshots (the runtime they were built against).
public struct RuntimeBundle: Hashable, Sendable {
    /// The launcher to copy to `erts-VSN/bin/distill-run`.
    public var launcher: String
    /// libDistillRuntime.so, to copy to `erts-VSN/lib/`.
    public var runtimeLibrary: String
    /// The other libraries to copy to `erts-VSN/lib/`: file name → where it is.
    public var libraries: [String: String]
    /// Libraries the release expects the host to provide (`libc.so.6`, `libz.so.1`, ...).
    public var hostLibraries: [String]
    /// The toolchain's version (`6.3.1`).
    public var swiftVersion: String
    /// SHA-256 of the runtime's identity, in hexadecimal.
    public var fingerprint: String

    public init(
        launcher: String,
        runtimeLibrary: String,
        libraries: [String: String],
        hostLibraries: [String],
        swiftVersion: String,
        fingerprint: String
    ) {
        self.launcher = launcher
        self.runtimeLibrary = runtimeLibrary
        self.libraries = libraries
        self.hostLibraries = hostLibraries
        self.swiftVersion = swiftVersion
        self.fingerprint = fingerprint
    }

    /// `SWIFT-FINGERPRINT8`, e.g. `6.3.1-3fa0c2d1`.
    public var ertsVersion: String { "\(swiftVersion)-\(fingerprint.prefix(8))" }

    /// The runtime SwiftPM built in `binPath` (`distill-run`, `libDistillRuntime.so`), with
    /// the libraries it and `plugins` need.
    ///
    /// - Parameters:
    ///   - plugins: the plugins' `.so` files, whose needs are bundled too.
    ///   - pluginNames: the plugins' file names, which no library may need.
    ///   - cacheDirectory: where the runtime's code fingerprint is kept between builds
    ///     (keyed by the object files' names, sizes and modification times).
    ///   - pathPrefixes: directories whose names do not count in strings the code uses
    ///     (the package, its build directory, the swift-distill checkout).
    public static func fromBuild(
        binPath: String,
        plugins: [String],
        swiftVersion: String,
        pathPrefixes: [String] = [],
        cacheDirectory: String?
    ) throws(BuildError) -> RuntimeBundle {
        let launcher = binPath + "/distill-run"
        let runtime = binPath + "/libDistillRuntime.so"
        for (path, what) in [(launcher, "the launcher"), (runtime, "the runtime library")] {
            guard FileManager.default.fileExists(atPath: path) else {
                throw BuildError(
                    code: .invalidBinary,
                    message: "\(what) '\(path)' is missing after the build",
                    notes: ["the package must depend on swift-distill and build 'distill-run' and 'DistillRuntime'"]
                )
            }
        }
        var objects: [String] = []
        for product in ["DistillRuntime", "distill-run"] {
            objects += try linkedObjects(product: product, binPath: binPath)
        }
        let code = try codeFingerprint(objects: objects, pathPrefixes: pathPrefixes, cacheDirectory: cacheDirectory)
        return try make(
            launcher: launcher,
            runtime: runtime,
            plugins: plugins,
            searchPaths: [binPath],
            swiftVersion: swiftVersion,
            codeFingerprint: code
        )
    }

    /// A runtime built elsewhere (for the target machine, say), laid out as a release
    /// bundles it: `DIRECTORY/bin/distill-run`, `DIRECTORY/lib/libDistillRuntime.so` and the
    /// libraries they need in `DIRECTORY/lib` (`include_runtime` set to a path). Without its
    /// object files, its code is fingerprinted from the linked files.
    public static func fromDirectory(
        _ directory: String,
        plugins: [String],
        swiftVersion: String
    ) throws(BuildError) -> RuntimeBundle {
        let launcher = directory + "/bin/distill-run"
        let runtime = directory + "/lib/libDistillRuntime.so"
        for path in [launcher, runtime] where !FileManager.default.fileExists(atPath: path) {
            throw BuildError(
                code: .invalidConfig,
                message: "include_runtime names '\(directory)', which has no '\(path.dropFirst(directory.count + 1))'",
                file: "rel/config",
                notes: [
                    "a runtime directory holds bin/distill-run and lib/libDistillRuntime.so (an erts-VSN/ of a release)"
                ]
            )
        }
        var files: [ELFFile] = []
        for path in [launcher, runtime] {
            do {
                files.append(try ELFFile(path: path))
            } catch {
                throw BuildError(code: .invalidBinary, message: "cannot read '\(path)': \(error)")
            }
        }
        let fingerprints: [String: Fingerprint]
        do {
            fingerprints = try SymbolFingerprinter().fingerprintsByName(of: files)
        } catch {
            throw BuildError(
                code: .invalidBinary,
                message: "cannot fingerprint the runtime in '\(directory)': \(error)"
            )
        }
        var hasher = SHA256()
        hasher.update("linked runtime 1\n")
        for name in fingerprints.keys.sorted() where !isPerObjectHelper(name) {
            hasher.update("\(name) \(fingerprints[name]!)\n")
        }
        return try make(
            launcher: launcher,
            runtime: runtime,
            plugins: plugins,
            searchPaths: [directory + "/lib"],
            swiftVersion: swiftVersion,
            codeFingerprint: hasher.hexDigest()
        )
    }

    static func make(
        launcher: String,
        runtime: String,
        plugins: [String],
        searchPaths: [String],
        swiftVersion: String,
        codeFingerprint: String
    ) throws(BuildError) -> RuntimeBundle {
        var libraries = SharedLibraries()
        for plugin in plugins { libraries.excluded[(plugin as NSString).lastPathComponent] = plugin }
        libraries.excluded["libDistillRuntime.so"] = runtime
        for file in [launcher, runtime] + plugins {
            try libraries.collect(neededBy: file, searchPaths: searchPaths)
        }
        var hasher = SHA256()
        hasher.update("distill runtime 1\n")
        hasher.update("code \(codeFingerprint)\n")
        for (name, path) in libraries.bundled.sorted(by: { $0.key < $1.key }) {
            hasher.update("library \(name) \(try identity(of: path))\n")
        }
        return RuntimeBundle(
            launcher: launcher,
            runtimeLibrary: runtime,
            libraries: libraries.bundled,
            hostLibraries: libraries.system.keys.sorted(),
            swiftVersion: swiftVersion,
            fingerprint: hasher.hexDigest()
        )
    }

    /// The object files SwiftPM linked into `product` (`<bin>/<product>.product/Objects.LinkFileList`).
    public static func linkedObjects(product: String, binPath: String) throws(BuildError) -> [String] {
        let list = "\(binPath)/\(product).product/Objects.LinkFileList"
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
            throw BuildError(
                code: .invalidBinary,
                message: "cannot read '\(list)', the list of object files SwiftPM linked into '\(product)'"
            )
        }
        return text.split(whereSeparator: \.isNewline).map { line in
            var path = line.trimmingCharacters(in: .whitespaces)
            if path.count >= 2, path.hasPrefix("'") || path.hasPrefix("\""), path.last == path.first {
                path = String(path.dropFirst().dropLast())
            }
            return path
        }.filter { $0.hasSuffix(".o") }
    }

    /// A library's identity: its GNU build-id, or the SHA-256 of its bytes.
    static func identity(of path: String) throws(BuildError) -> String {
        if let id = try? ELFFile(path: path).buildID(), !id.isEmpty {
            return "build-id:" + id.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        guard let digest = SHA256.hexDigest(ofFile: path) else {
            throw BuildError(code: .invalidBinary, message: "cannot read '\(path)'")
        }
        return "sha256:" + digest
    }

    /// SHA-256 over every symbol of `objects` with its DistillELF fingerprint, cached in
    /// `cacheDirectory` under a key made of the objects' paths, sizes and modification times.
    ///
    /// Paths under `pathPrefixes` (the build and checkout directories) in strings the code
    /// uses (a C `__FILE__`) count without the directory, so building elsewhere changes
    /// nothing. Helpers emitted per object (``isPerObjectHelper(_:)``: their presence and
    /// form vary with incremental builds) are left out; the code that uses them names them.
    static func codeFingerprint(
        objects: [String],
        pathPrefixes: [String] = [],
        cacheDirectory: String?
    ) throws(BuildError) -> String {
        var key = SHA256()
        // Bump the version when what is hashed changes, so no cache outlives it.
        key.update("runtime fingerprint 3\nprefixes \(pathPrefixes)\n")
        for path in objects.sorted() {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw BuildError(code: .invalidBinary, message: "cannot read object file '\(path)'")
            }
            key.update("\(path) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n")
        }
        let keyText = key.hexDigest()
        let cacheFile = cacheDirectory.map { $0 + "/runtime-fingerprint" }
        if let cacheFile, let cached = try? String(contentsOfFile: cacheFile, encoding: .utf8) {
            let lines = cached.split(separator: "\n")
            if lines.count == 2, lines[0] == keyText { return String(lines[1]) }
        }
        var files: [ELFFile] = []
        for path in objects {
            do {
                files.append(try ELFFile(path: path))
            } catch {
                throw BuildError(code: .invalidBinary, message: "cannot read object file '\(path)': \(error)")
            }
        }
        let fingerprints: [String: Fingerprint]
        do {
            fingerprints = try SymbolFingerprinter(options: .init(pathPrefixes: pathPrefixes)).fingerprintsByName(
                of: files
            )
        } catch {
            throw BuildError(code: .invalidBinary, message: "cannot fingerprint the runtime's code: \(error)")
        }
        var hasher = SHA256()
        for name in fingerprints.keys.sorted() where !isPerObjectHelper(name) {
            hasher.update("\(name) \(fingerprints[name]!)\n")
        }
        let result = hasher.hexDigest()
        if let cacheDirectory, let cacheFile {
            try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            try? "\(keyText)\n\(result)".write(toFile: cacheFile, atomically: true, encoding: .utf8)
        }
        return result
    }
}
