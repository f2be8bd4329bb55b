//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where each file of a release goes (DESIGN.md, "The release on disk"):
///
/// ```
/// bin/REL                                  the release's script (templates/bin/release.mustache)
/// erts-ERTS/bin/distill-run                the launcher          (include_runtime)
/// erts-ERTS/lib/*.so                       libDistillRuntime.so and the Swift runtime
/// lib/APP-VSN/ebin/APP.app                 the application resource file
/// lib/APP-VSN/ebin/APP.snapshot            the build snapshot a later --upgrade compares with
/// lib/APP-VSN/ebin/APP.appup               on --upgrade
/// lib/APP-VSN/lib/libPRODUCT-VSN.so        the plugin, SONAME libPRODUCT-VSN.so
/// releases/VSN/REL.rel  sys.config  vm.args  relup (on --upgrade)  REL.tar.gz
/// releases/VSN/commands/NAME, releases/VSN/hooks/KIND.d/
/// releases/RELEASES  releases/start_erl.data
/// ```
///
/// Paths are relative to the release's root unless a property says otherwise.
public struct ReleaseLayout: Hashable, Sendable {
    /// The release's directory (absolute).
    public var root: String
    public var name: String
    public var version: String
    public var ertsVersion: String

    public init(root: String, name: String, version: String, ertsVersion: String) {
        self.root = root
        self.name = name
        self.version = version
        self.ertsVersion = ertsVersion
    }

    /// `root/relative`.
    public func path(_ relative: String) -> String { root + "/" + relative }

    public var script: String { "bin/\(name)" }
    public var ertsDirectory: String { "erts-\(ertsVersion)" }
    public var launcher: String { "\(ertsDirectory)/bin/distill-run" }
    public var ertsLibrary: String { "\(ertsDirectory)/lib" }

    /// `lib/APP-VSN`.
    public static func applicationDirectory(_ application: String, _ version: String) -> String {
        "lib/\(application)-\(version)"
    }

    /// `lib/APP-VSN/ebin/APP.app`.
    public static func appFile(_ application: String, _ version: String) -> String {
        "\(applicationDirectory(application, version))/ebin/\(application).app"
    }

    /// `lib/APP-VSN/ebin/APP.snapshot`.
    public static func snapshotFile(_ application: String, _ version: String) -> String {
        "\(applicationDirectory(application, version))/ebin/\(application).snapshot"
    }

    /// `lib/APP-VSN/ebin/APP.appup`.
    public static func appupFile(_ application: String, _ version: String) -> String {
        "\(applicationDirectory(application, version))/ebin/\(application).appup"
    }

    /// The plugin's file name in the release, which is also its SONAME: `libPRODUCT-VSN.so`.
    public static func pluginFileName(product: String, version: String) -> String {
        "lib\(product)-\(version).so"
    }

    /// `lib/APP-VSN/lib/libPRODUCT-VSN.so`.
    public static func pluginFile(_ application: String, _ version: String, product: String) -> String {
        "\(applicationDirectory(application, version))/lib/\(pluginFileName(product: product, version: version))"
    }

    /// The plugin's run path: from `lib/APP-VSN/lib/` to `erts-ERTS/lib`, through `$ORIGIN` only.
    public var pluginRunpath: [String] { ["$ORIGIN/../../../\(ertsLibrary)"] }

    /// `releases/VSN`.
    public var versionDirectory: String { "releases/\(version)" }
    public var relFile: String { "\(versionDirectory)/\(name).rel" }
    public var sysConfig: String { "\(versionDirectory)/sys.config" }
    public var vmArgs: String { "\(versionDirectory)/vm.args" }
    public var relup: String { "\(versionDirectory)/relup" }
    public var tarball: String { "\(versionDirectory)/\(name).tar.gz" }
    public var releasesFile: String { "releases/RELEASES" }
    public var startErlData: String { "releases/start_erl.data" }
}
