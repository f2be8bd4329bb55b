//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Foundation
import Testing

/// The files real OTP wrote or read in `otp-cases` decode with our models and encode
/// back to the same terms.
struct OTPCasesTests {
    /// Every `.app`, `.rel`, `.appup` and `expected.relup` under `otp-cases`, relative paths.
    static let files: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: otpCases.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { path in
            path.hasSuffix(".app") || path.hasSuffix(".rel") || path.hasSuffix(".appup")
                || path.hasSuffix("expected.relup")
        }.sorted()
    }()

    @Test func findsTheCases() {
        #expect(Self.files.count >= 60, "otp-cases at \(otpCases.path)")
        #expect(
            Self.files.contains { $0.hasSuffix(".appup") } && Self.files.contains { $0.hasSuffix("expected.relup") }
        )
    }

    @Test(arguments: files)
    func decodesAndEncodesBackToTheSameTerm(path: String) throws {
        let source = try String(contentsOf: otpCases.appendingPathComponent(path), encoding: .utf8)
        let terms = try TermParser.parseAll(source, file: path)
        let encoded: Term
        switch path.split(separator: ".").last {
        case "app": encoded = try ApplicationSpec(parsing: source, file: path).term
        case "rel": encoded = try ReleaseSpec(parsing: source, file: path).term
        case "appup": encoded = try Appup(parsing: source, file: path).term
        default: encoded = try Relup(parsing: source, file: path).term
        }
        #expect(terms == [encoded])
        let kind = ReleaseFileKind(path: path) ?? .relup
        #expect(ReleaseFileChecker.check(source, kind: kind, file: path).isEmpty)
    }

    @Test func decodesOTPsRelupForAnAddedAndARemovedApplication() throws {
        let path = "06-add-remove-app/expected.relup"
        let relup = try Relup(
            parsing: String(contentsOf: otpCases.appendingPathComponent(path), encoding: .utf8),
            file: path
        )
        func call(_ function: String, _ arguments: Term...) -> RelupInstruction {
            .apply(FunctionCall(module: "application", function: function, arguments: arguments))
        }
        #expect(
            relup.upgrade(from: "1")?.instructions == [
                .loadObjectCode(application: "bar", version: "1.0", modules: ["bar_app", "bar_srv"]),
                .pointOfNoReturn,
                .load(module: "bar_app", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .load(module: "bar_srv", prePurge: .brutalPurge, postPurge: .brutalPurge),
                call("start", "bar", "permanent"),
                call("stop", "baz"),
                .remove(module: "baz_app", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .remove(module: "baz_srv", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .purge(modules: ["baz_app", "baz_srv"]),
                call("unload", "baz"),
            ]
        )
    }
}
