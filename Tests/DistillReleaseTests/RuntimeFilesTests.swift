//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Foundation
import Testing

/// RELEASES and start_erl.data: the files the release handler keeps.
struct RuntimeFilesTests {
    static let releases = ReleasesFile(releases: [
        .init(
            name: "kv",
            version: "0.2.0",
            ertsVersion: "6.3.1-1.0.0",
            libraries: [.init(name: "kv", version: "0.2.0", directory: "lib/kv-0.2.0")],
            status: .current
        ),
        .init(
            name: "kv",
            version: "0.1.0",
            ertsVersion: "6.3.1-1.0.0",
            libraries: [.init(name: "kv", version: "0.1.0", directory: "lib/kv-0.1.0")],
            status: .permanent
        ),
        .init(name: "kv", version: "0.0.9", ertsVersion: "6.3.0", libraries: [], status: .old),
        .init(name: "kv", version: "0.3.0", ertsVersion: "6.3.1", libraries: [], status: .unpacked),
    ])

    @Test func releasesRoundTripWithOTPsHeader() throws {
        let text = Self.releases.fileContents
        #expect(text.hasPrefix("%% utf-8\n[{release,\"kv\",\"0.2.0\","))
        #expect(try ReleasesFile(parsing: text, file: "RELEASES") == Self.releases)
        #expect(Self.releases.permanent?.version == "0.1.0")
        #expect(Self.releases.release(version: "0.3.0")?.status == .unpacked)
    }

    @Test func readsOTPsSyntaxButRefusesItsAbsoluteDirectories() throws {
        // OTP's release_handler writes absolute library directories; a swift-distill release
        // keeps its applications in its own lib/, and a directory elsewhere is refused.
        let text = """
            %% utf-8
            [{release,"demo","1","13.1.5",
                      [{kernel,"8.5.3","lib/kernel-8.5.3"},
                       {stdlib,"4.2","lib/stdlib-4.2"}],
                      permanent}].
            """
        let file = try ReleasesFile(parsing: text, file: "RELEASES")
        #expect(file.releases.first?.libraries.map(\.name) == ["kernel", "stdlib"])
        #expect(try TermParser.parseAll(text, file: "RELEASES") == [file.term])
        let absolute = text.replacingOccurrences(of: "\"lib/kernel", with: "\"/opt/demo/lib/kernel")
        #expect(
            problems(absolute, kind: .releases, file: "RELEASES") == [
                "RELEASES:3:28: error: the directory of application 'kernel' \"/opt/demo/lib/kernel-8.5.3\" is not "
                    + "allowed: it is absolute; it must be lib/NAME-VSN inside the release"
            ]
        )
    }

    static let rejectedReleases: [(source: String, errors: [String])] = [
        (
            "[{release, \"kv\", \"1\", \"1\", [], installed}].",
            ["RELEASES:1:32: error: the release status must be permanent, current, old or unpacked, found installed"]
        ),
        (
            "[{release, kv, \"1\", \"1\", [], old}, {release, \"kv\", \"1\", \"1\", [{kv, \"1\"}], old}].",
            [
                "RELEASES:1:12: error: the release name must be a string, found kv",
                "RELEASES:1:63: error: an application in RELEASES must be an {App, AppVsn, LibDir} tuple, found "
                    + "{kv, \"1\"}",
            ]
        ),
        (
            "[{release, \"kv\", \"1\", \"1\", [], old}, {release, \"kv\", \"1\", \"1\", [], old}].",
            ["RELEASES:1:38: error: duplicate release version \"1\" (first given at 1:2)"]
        ),
        (
            "{release, \"kv\", \"1\", \"1\", [], old}.",
            ["RELEASES:1:1: error: a RELEASES file must be a list, found {release, \"kv\", \"1\", \"1\", [], old}"]
        ),
    ]

    @Test(arguments: rejectedReleases)
    func reportsBadReleases(source: String, errors: [String]) {
        #expect(problems(source, kind: .releases, file: "RELEASES") == errors)
    }

    @Test func startErlDataIsWrittenAsReleaseHandlerWritesIt() throws {
        let data = StartErlData(ertsVersion: "6.3.1-1.0.0", releaseVersion: "0.2.0")
        #expect(data.text == "6.3.1-1.0.0 0.2.0")
        #expect(try StartErlData(parsing: data.text, file: "start_erl.data") == data)
        #expect(
            try StartErlData(parsing: "13.1.5 1\n", file: "start_erl.data")
                == StartErlData(ertsVersion: "13.1.5", releaseVersion: "1")
        )
        #expect(try StartErlData(parsing: "13.1.5 1\r\n", file: "start_erl.data").releaseVersion == "1")
    }

    static let rejectedStartErl: [(text: String, error: String)] = [
        ("", "start_erl.data:1:1: error: start_erl.data must be one line 'ErtsVsn RelVsn', found ''"),
        ("13.1.5", "start_erl.data:1:1: error: start_erl.data must be one line 'ErtsVsn RelVsn', found '13.1.5'"),
        ("13.1.5  1", "start_erl.data:1:1: error: start_erl.data must be one line 'ErtsVsn RelVsn', found '13.1.5  1'"),
        (
            "13.1.5 1 2",
            "start_erl.data:1:1: error: start_erl.data must be one line 'ErtsVsn RelVsn', found '13.1.5 1 2'"
        ),
        ("13.1.5\t1", "start_erl.data:1:1: error: start_erl.data must be one line 'ErtsVsn RelVsn', found '13.1.5\t1'"),
        (
            "13.1.5 1\n\n",
            "start_erl.data:2:1: error: start_erl.data must be one line 'ErtsVsn RelVsn', found more than one line"
        ),
    ]

    @Test(arguments: rejectedStartErl)
    func rejectsMalformedStartErlData(text: String, error: String) {
        #expect(problems(text, kind: .startErl, file: "start_erl.data") == [error])
    }
}
