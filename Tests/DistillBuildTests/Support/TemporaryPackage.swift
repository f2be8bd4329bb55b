//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation

/// A small package written for one test (no dependency on swift-distill, so it builds in
/// seconds): the builder's checks that come before the launcher is built.
struct TemporaryPackage {
    let directory: TemporaryDirectory
    var path: String { directory.path }

    /// Writes `files` (relative path → contents) into a fresh directory.
    init(_ files: [String: String]) throws {
        directory = try TemporaryDirectory(prefix: "distill-package")
        for (path, text) in files {
            let url = directory.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// `Package.swift` for package `name` with `products` and a target per product (its
    /// sources from `sources`), plus `dependencies` as written.
    static func manifest(
        name: String = "plugins",
        products: [String],
        targets: [String],
        dependencies: String = ""
    ) -> String {
        """
        // swift-tools-version: 6.1
        import PackageDescription
        let package = Package(
            name: "\(name)",
            products: [\(products.joined(separator: ", "))],
            dependencies: [\(dependencies)],
            targets: [\(targets.joined(separator: ", "))]
        )
        """
    }

    /// A plugin-shaped dynamic library: it exports `distill_application` (or not).
    static func library(exportsEntryPoint: Bool) -> String {
        exportsEntryPoint
            ? "@_cdecl(\"distill_application\") public func distillApplication() -> Int { 1 }\n"
            : "public func helper() -> Int { 1 }\n"
    }

    /// The builder on this package (release `kv`, dev environment unless said otherwise).
    func builder(environment: String? = nil, release: String? = nil) -> ReleaseBuilder {
        ReleaseBuilder(
            options: ReleaseOptions(packageDirectory: path, release: release, environment: environment)
        )
    }
}

/// The error `body` throws, or `nil`.
func buildError(_ body: () throws(BuildError) -> Void) -> BuildError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The error `body` throws off the cooperative pool, or `nil`.
func buildError(offloading body: @escaping @Sendable () throws(BuildError) -> Void) async -> BuildError? {
    do {
        try await offloaded { try body() }
        return nil
    } catch let error as BuildError {
        return error
    } catch {
        return BuildError(code: .toolFailed, message: "unexpected \(error)")
    }
}
