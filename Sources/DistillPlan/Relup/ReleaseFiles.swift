//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
public import DistillTerm

/// The files of one release as the relup compiler reads them: the `.rel`, the `.app` of
/// each of its applications and, for the release upgraded to, each application's appup.
///
/// The caller reads the files (`swift-distill relup` searches `--lib` directories as
/// `systools` searches its `path`); the compiler does no I/O.
public struct ReleaseFiles: Hashable, Sendable {
    /// The `.rel`.
    public var release: ReleaseSpec
    /// The `.rel` file as the user named it, for messages.
    public var path: String
    /// The `.app` of each application the release lists (in any order).
    public var applications: [ApplicationSpec]
    /// The appups found next to the `.app` files, by application name. Only the release
    /// upgraded to needs them, and only for the applications whose version changed.
    public var appups: [String: AppupFile]

    public init(
        release: ReleaseSpec,
        path: String,
        applications: [ApplicationSpec],
        appups: [String: AppupFile] = [:]
    ) {
        self.release = release
        self.path = path
        self.applications = applications
        self.appups = appups
    }
}

/// An application's `ebin/APP.appup` as the caller found it.
///
/// `systools` reads an appup only when the application's version changed, so an appup
/// that cannot be read is no error until the compiler needs it: the caller hands over
/// what it read, or why it could not.
public struct AppupFile: Hashable, Sendable {
    /// The file as the user would name it.
    public var path: String
    /// The appup, or why it could not be read.
    public var contents: Result<Appup, ReleaseFileError>

    public init(path: String, contents: Result<Appup, ReleaseFileError>) {
        self.path = path
        self.contents = contents
    }

    public init(path: String, appup: Appup) {
        self.init(path: path, contents: .success(appup))
    }
}

/// A release to upgrade from or downgrade to, with the relup entry's description
/// (`systools` takes `{RelFile, Descr}`; the default is `[]`).
public struct BaseRelease: Hashable, Sendable {
    public var files: ReleaseFiles
    /// The `Descr` of this release's relup entry.
    public var description: Term

    public init(_ files: ReleaseFiles, description: Term = .nil) {
        self.files = files
        self.description = description
    }
}

/// What the relup compiler made: the relup and the warnings systools would print.
public struct RelupCompilation: Hashable, Sendable {
    /// The relup.
    public var relup: Relup
    /// The warnings, in the order `systools:make_relup` returns them (its list is built
    /// by prepending, so the latest comes first).
    public var warnings: [PlanWarning]

    public init(relup: Relup, warnings: [PlanWarning]) {
        self.relup = relup
        self.warnings = warnings
    }
}
