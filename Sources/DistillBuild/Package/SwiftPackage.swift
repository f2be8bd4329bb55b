//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import Foundation
import Glibc
import Synchronization

/// A Swift package on disk and the `swift` that builds it.
public struct SwiftPackage: Sendable {
    /// The package's directory (absolute).
    public var directory: String
    /// SwiftPM's build directory (`--scratch-path`), absolute; `nil` for SwiftPM's default,
    /// `<directory>/.build`.
    public var scratchPath: String?
    /// The `swift` executable.
    public var swift: String

    /// - Parameters:
    ///   - swift: the `swift` to use; default: `$DISTILL_SWIFT`, else the first `swift` on `PATH`.
    public init(directory: String, scratchPath: String? = nil, swift: String? = nil) throws(BuildError) {
        self.directory = Self.absolute(directory)
        self.scratchPath = scratchPath.map(Self.absolute)
        let environment = ProcessInfo.processInfo.environment
        guard let found = swift ?? environment["DISTILL_SWIFT"] ?? ChildProcess.find("swift") else {
            throw BuildError(
                code: .toolFailed,
                message: "cannot find 'swift' on PATH",
                notes: ["install a Swift toolchain, or set DISTILL_SWIFT to the swift executable"]
            )
        }
        self.swift = found
    }

    /// The build directory SwiftPM uses.
    public var buildDirectory: String { scratchPath ?? directory + "/.build" }

    private var scratchArguments: [String] { scratchPath.map { ["--scratch-path", $0] } ?? [] }

    // MARK: - Describing

    /// `swift package describe --type json`, cached in the build directory and reused while
    /// the manifests (`Package.swift`, `Package@swift-*.swift`) and `Package.resolved` are
    /// unchanged.
    public func describe() throws(BuildError) -> DescribedPackage {
        let key = manifestKey()
        let cacheDirectory = buildDirectory + "/distill"
        let cache = cacheDirectory + "/describe.json"
        let keyFile = cacheDirectory + "/describe.key"
        if let key, (try? String(contentsOfFile: keyFile, encoding: .utf8)) == key,
            let data = FileManager.default.contents(atPath: cache),
            let description = try? DescribedPackage(json: data)
        {
            return description
        }
        let result = try ChildProcess.run(
            swift,
            ["package", "--package-path", directory] + scratchArguments + ["describe", "--type", "json"]
        )
        guard result.succeeded else {
            throw BuildError(
                code: .invalidPackage,
                message: "'swift package describe' failed in '\(directory)'",
                detail: result.errors + result.output
            )
        }
        let data = Data(result.output.utf8)
        let description = try DescribedPackage(json: data)
        if let key {
            try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            try? data.write(to: URL(fileURLWithPath: cache))
            try? Data(key.utf8).write(to: URL(fileURLWithPath: keyFile))
        }
        return description
    }

    /// The names, sizes and modification times of the files `describe` depends on.
    private func manifestKey() -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        let relevant = names.filter {
            ($0.hasPrefix("Package") && $0.hasSuffix(".swift")) || $0 == "Package.resolved"
        }.sorted()
        var parts = [swift]
        for name in relevant {
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else { return nil }
            parts.append("\(name) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)")
        }
        return parts.joined(separator: "\n")
    }

    // MARK: - Building

    /// `swift build -c CONFIGURATION --product PRODUCT FLAGS...`.
    ///
    /// - Parameter lines: each line of the compiler's output as it comes.
    /// - Throws: ``BuildError/Code/swiftBuildFailed`` with the whole output as detail.
    public func build(
        product: String,
        configuration: BuildConfiguration,
        flags: [String] = [],
        lines: @escaping @Sendable (String) -> Void
    ) throws(BuildError) {
        let arguments =
            ["build", "--package-path", directory] + scratchArguments
            + ["-c", configuration.rawValue, "--product", product] + flags
        let transcript = Transcript()
        let result = try ChildProcess.run(
            swift,
            arguments,
            output: .merged { line in
                transcript.append(line)
                lines(line)
            }
        )
        guard result.succeeded else {
            throw BuildError(
                code: .swiftBuildFailed,
                message: "swift build failed for product '\(product)' (\(configuration.rawValue)): "
                    + (result.signalled ? "killed by signal \(result.status)" : "exit status \(result.status)"),
                detail: transcript.text,
                notes: ["the command was: swift \(arguments.joined(separator: " "))"]
            )
        }
    }

    /// The directory `swift build -c CONFIGURATION FLAGS...` writes its products to.
    ///
    /// Without flags that change it this is `<build directory>/<configuration>` (the link
    /// SwiftPM makes to the triple's directory), resolved; with flags it is asked of SwiftPM.
    public func binPath(configuration: BuildConfiguration, flags: [String] = []) throws(BuildError) -> String {
        let link = buildDirectory + "/" + configuration.rawValue
        if flags.isEmpty, let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: link) {
            return resolved.hasPrefix("/") ? resolved : buildDirectory + "/" + resolved
        }
        let result = try ChildProcess.run(
            swift,
            ["build", "--package-path", directory] + scratchArguments
                + ["-c", configuration.rawValue, "--show-bin-path"] + flags
        )
        guard result.succeeded else {
            throw BuildError(
                code: .swiftBuildFailed,
                message: "'swift build --show-bin-path' failed",
                detail: result.errors + result.output
            )
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `swift --version`'s version number (`6.3.1`), kept in `cacheDirectory` while the
    /// `swift` executable is unchanged.
    public func toolchainVersion(cacheDirectory: String? = nil) throws(BuildError) -> String {
        let cacheFile = cacheDirectory.map { $0 + "/swift-version" }
        let stamp = BuildStamp(paths: [swift])
        if let cacheFile, let stamp, let cached = BuildStamp.read(cacheFile)?.text.split(separator: "\n", maxSplits: 1),
            cached.count == 2, cached[1] == stamp.text
        {
            return String(cached[0])
        }
        let result = try ChildProcess.run(swift, ["--version"])
        let text = result.output + result.errors
        guard result.succeeded, let range = text.range(of: "Swift version ") else {
            throw BuildError(code: .toolFailed, message: "cannot read the version of '\(swift)'", detail: text)
        }
        let version = String(text[range.upperBound...].prefix { !$0.isWhitespace })
        guard !version.isEmpty else {
            throw BuildError(code: .toolFailed, message: "cannot read the version of '\(swift)'", detail: text)
        }
        if let cacheFile, let stamp { BuildStamp(text: version + "\n" + stamp.text).write(to: cacheFile) }
        return version
    }

    static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.path
    }
}

/// The lines of a child's output, collected from its reader thread.
final class Transcript: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}
