//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Foundation

/// `swift-distill init`: writes a commented `rel/config` for a package, with one
/// application per dynamic library product built on `DistillRuntime`, and a `dev` and a
/// `prod` environment.
public enum ConfigWriter {
    /// The text of `rel/config` for `package`.
    ///
    /// - Throws: ``BuildError/Code/unknownProduct`` if the package has no plugin product.
    public static func text(for package: DescribedPackage) throws(BuildError) -> String {
        let plugins = package.pluginProducts
        guard !plugins.isEmpty else {
            throw BuildError(
                code: .unknownProduct,
                message: "package '\(package.name)' has no dynamic library product that depends on DistillRuntime, "
                    + "so there is no application to put in a release",
                notes: [
                    "add one: .library(name: \"KV\", type: .dynamic, targets: [\"KV\"]) with a target that depends "
                        + "on .product(name: \"DistillRuntime\", package: \"swift-distill\")"
                ]
            )
        }
        let release = atomName(package.name)
        let applications = plugins.map { product in
            TermPrinter.printCompact(
                ReleaseApplication(name: atomName(product.name), product: product.name).term
            )
        }
        return """
            %% rel/config: the releases of package '\(package.name)' (Erlang term syntax; `%` starts a comment).
            %% Written by `swift-distill init`. `swift-distill release` builds the default release in the
            %% default environment into _build/ENV/rel/RELEASE/; --env and --name pick others.

            {default_release, \(TermPrinter.printCompact(.atom(release)))}.
            {default_environment, dev}.

            %% An environment is a build profile. Options (an environment's win over its release's):
            %%   {configuration, debug | release}   swift build -c (default release)
            %%   {include_runtime, true | false}    bundle erts-VSN/ (launcher, runtime, Swift libraries; default true)
            %%   {strip_debug_info, true | false}   strip debug sections from the shipped libraries (default false)
            %%   {dev_mode, true | false}           a release to run here: no tarball, nothing stripped (default false)
            %%   {sys_config, "path"} {vm_args, "path"}   ship these instead of the generated ones
            %%   {swift_build_flags, ["-Xswiftc", "-g"]}  more arguments for swift build
            %%   {overlays, [...]}                  applied after the release's (see below)
            {environment, dev, [{configuration, debug}, {include_runtime, true}]}.
            {environment, prod, [{configuration, release}, {include_runtime, true}, {strip_debug_info, true}]}.

            %% A release: its applications in boot order, each built by a dynamic library product.
            %% {version, "X"} is optional: without it the release takes its first application's version,
            %% which the plugin states (Application(name:version:...)), so the version lives in one place.
            %% An application may say {vsn, "X"} too; it must then agree with its plugin.
            %% Overlays add files: {mkdir, "var/data"}, {copy, "rel/kv.conf", "etc/kv.conf"},
            %% {template, "rel/env.sh", "releases/{{release_version}}/env.sh"} (Mustache; see the README).
            {release, \(TermPrinter.printCompact(.atom(release))), [
                {applications, [\(applications.joined(separator: ", "))]}
            ]}.

            """
    }

    /// Writes `rel/config` (or `file`) for the package described by `package`, refusing to
    /// replace an existing file unless `force`. Returns the path written.
    @discardableResult
    public static func write(
        for package: DescribedPackage,
        file: String = "rel/config",
        force: Bool = false
    ) throws(BuildError) -> String {
        let path = file.hasPrefix("/") ? file : package.path + "/" + file
        if FileManager.default.fileExists(atPath: path) && !force {
            throw BuildError(
                code: .fileExists,
                message: "'\(file)' exists already",
                notes: ["pass --force to replace it"]
            )
        }
        try FileOperations.write(try text(for: package), to: path)
        return path
    }

    /// An atom name for a Swift name: `KVStore` → `kv_store`, `swift-kv` → `swift_kv`.
    public static func atomName(_ name: String) -> String {
        var result = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let previous = index > 0 ? characters[index - 1] : nil
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if let previous,
                    previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true)
                {
                    result += "_"
                }
                result += character.lowercased()
            } else if character.isLetter || character.isNumber {
                result.append(character)
            } else if !result.isEmpty && !result.hasSuffix("_") {
                result += "_"
            }
        }
        while result.hasSuffix("_") { result.removeLast() }
        if let first = result.first, !first.isLetter { result = "app_" + result }
        return result.isEmpty ? "app" : result
    }
}
