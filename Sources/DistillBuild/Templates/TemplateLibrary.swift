//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// Where the templates of a release's own files come from: the package's `rel/templates/`
/// first (a file there replaces the one of the same name), then the `templates/` folder of
/// the swift-distill checkout the package builds its runtime from, so the scripts always
/// match the launcher they drive.
///
/// | template | renders |
/// | --- | --- |
/// | `bin/release.mustache` | `bin/REL` (mode 0755) |
/// | `vm.args.mustache` | `releases/VSN/vm.args`, unless `rel/config` sets `vm_args` |
/// | `sys.config.mustache` | `releases/VSN/sys.config`, unless `rel/config` sets `sys_config` |
public struct TemplateLibrary: Hashable, Sendable {
    /// The directories searched, in order.
    public var directories: [String]

    public init(directories: [String]) {
        self.directories = directories
    }

    /// The package's `rel/templates`, then the swift-distill checkout's `templates` (found
    /// among the package's dependencies, or the package itself when it is swift-distill).
    public init(package: DescribedPackage, buildDirectory: String) {
        var directories = [package.path + "/rel/templates"]
        if let checkout = package.swiftDistillCheckout(buildDirectory: buildDirectory) {
            directories.append(checkout + "/templates")
        }
        self.init(directories: directories)
    }

    /// The text of template `name` (`bin/release.mustache`) and the file it came from.
    public func template(_ name: String) throws(BuildError) -> (text: String, file: String) {
        for directory in directories {
            let path = directory + "/" + name
            if let data = FileManager.default.contents(atPath: path) {
                return (String(decoding: data, as: UTF8.self), path)
            }
        }
        throw BuildError(
            code: .invalidTemplate,
            message: "cannot find template '\(name)' (looked in \(directories.joined(separator: ", ")))",
            notes: ["the package must depend on swift-distill, whose templates/ folder holds the release's templates"]
        )
    }
}
