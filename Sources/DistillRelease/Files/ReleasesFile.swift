//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// The release handler's record of installed releases, `releases/RELEASES`:
/// `[{release, Name, Vsn, ErtsVsn, [{App, AppVsn, LibDir}], Status}].`
///
/// OTP's `release_handler` writes it as `%% utf-8` then the term; a release that is
/// `current` in memory is written as `unpacked` (a reboot goes back to the permanent one).
public struct ReleasesFile: Hashable, Sendable {
    /// One installed release.
    public struct Release: Hashable, Sendable {
        /// A release's state.
        public enum Status: String, Hashable, Sendable, CaseIterable {
            /// The release the node boots.
            case permanent
            /// Installed and running, not yet made permanent.
            case current
            /// A former permanent release.
            case old
            /// Unpacked, not installed.
            case unpacked
        }

        /// One application of the release and where it lives.
        public struct Library: Hashable, Sendable {
            public var name: String
            public var version: String
            /// The application's directory, relative to the release root: `lib/kv-0.2.0`
            /// (``ReleaseName/problem(inLibraryDirectory:)``; OTP's absolute paths are refused).
            public var directory: String

            public init(name: String, version: String, directory: String) {
                self.name = name
                self.version = version
                self.directory = directory
            }

            /// `{App, AppVsn, LibDir}`.
            public var term: Term { .tuple([.atom(name), .string(version), .string(directory)]) }
        }

        public var name: String
        public var version: String
        public var ertsVersion: String
        public var libraries: [Library]
        public var status: Status

        public init(name: String, version: String, ertsVersion: String, libraries: [Library], status: Status) {
            self.name = name
            self.version = version
            self.ertsVersion = ertsVersion
            self.libraries = libraries
            self.status = status
        }

        /// `{release, Name, Vsn, ErtsVsn, Libs, Status}`.
        public var term: Term {
            .tuple([
                .atom("release"), .string(name), .string(version), .string(ertsVersion),
                .list(libraries.map(\.term)), .atom(status.rawValue),
            ])
        }
    }

    /// The releases, in the file's order.
    public var releases: [Release]

    public init(releases: [Release]) {
        self.releases = releases
    }

    /// The release with status `permanent`, if any.
    public var permanent: Release? { releases.first { $0.status == .permanent } }

    /// The release of version `version`, if installed.
    public func release(version: String) -> Release? { releases.first { $0.version == version } }
}

// MARK: - Terms

extension ReleasesFile {
    /// The list term.
    public var term: Term { .list(releases.map(\.term)) }

    /// Decodes the list term read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file, Self.init(node:))
    }

    init(node: Node) throws(ReleaseFileError) {
        releases = []
        var seen: [String: SourceLocation] = [:]
        for element in try node.list("a RELEASES file") {
            guard let release = node.context.attempt({ () throws(ReleaseFileError) in try Release(node: element) })
            else { continue }
            if let first = seen[release.version] {
                node.context.record(
                    element.duplicate("release version \"\(release.version)\"", first: first)
                )
            }
            seen[release.version] = element.location
            releases.append(release)
        }
    }
}

extension ReleasesFile.Release {
    init(node: Node) throws(ReleaseFileError) {
        let parts = try node.tuple(
            "a release in RELEASES",
            count: 6,
            shape: "{release, Name, Vsn, ErtsVsn, [{App, AppVsn, LibDir}], Status}"
        )
        guard parts[0].term == .atom("release") else {
            throw parts[0].wrongShape("the first element of a release in RELEASES", "the atom 'release'")
        }
        name = try parts[1].stringName("the release name")
        version = try parts[2].stringName("the release version")
        ertsVersion = try parts[3].stringName("the erts version")
        libraries = []
        for library in try parts[4].list("the applications of release \"\(version)\"") {
            let fields = try library.tuple(
                "an application in RELEASES",
                count: 3,
                shape: "an {App, AppVsn, LibDir} tuple"
            )
            let name = try fields[0].atomName("an application name")
            libraries.append(
                Library(
                    name: name,
                    version: try fields[1].stringName("the version of application '\(name)'"),
                    directory: try fields[2].libraryDirectory("the directory of application '\(name)'")
                )
            )
        }
        status = try parts[5].oneOf("the release status", Status.self)
    }
}
