//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillPlan
public import DistillRelease
import DistillTerm
import Foundation

/// Reads what ``RelupCompiler`` needs from disk, the way `systools:make_relup` finds it
/// through its `path`: a `.rel`, then each application's `APP.app` (and, for the release
/// upgraded to, `APP.appup` beside it) from the first library directory that has the
/// version the `.rel` lists, looking in `DIR/APP-VSN/ebin/` and then `DIR/APP/ebin/`.
///
/// An application found only in another version is handed over as found, so the compiler
/// reports the mismatch; a file that cannot be read or decoded is an error unless another
/// directory has a good one, as systools goes on to the next path entry.
public struct RelupFileLoader: Sendable {
    /// The library directories, in search order (`--lib`).
    public var libraryDirectories: [String]

    public init(libraryDirectories: [String]) {
        self.libraryDirectories = libraryDirectories
    }

    /// The files of the release `relPath` (`.rel` may be left off, as systools allows),
    /// with the appups of its applications if `withAppups` (the release upgraded to).
    public func load(release relPath: String, withAppups: Bool) throws(ReleaseFileError) -> ReleaseFiles {
        let path = relPath.hasSuffix(".rel") ? relPath : relPath + ".rel"
        let release = try Self.decodeFile(path) { (located, file) throws(ReleaseFileError) in
            try ReleaseSpec(located: located, file: file)
        }
        var applications: [ApplicationSpec] = []
        var appups: [String: AppupFile] = [:]
        for entry in release.applications {
            guard let (spec, directory) = try findApplication(entry.name, version: entry.version) else { continue }
            applications.append(spec)
            guard withAppups, spec.version == entry.version else { continue }
            let appupPath = directory + "/" + entry.name + ".appup"
            guard FileManager.default.fileExists(atPath: appupPath) else { continue }
            do throws(ReleaseFileError) {
                let appup = try Self.decodeFile(appupPath) { (located, file) throws(ReleaseFileError) in
                    try Appup(located: located, file: file)
                }
                appups[entry.name] = AppupFile(path: appupPath, appup: appup)
            } catch {
                appups[entry.name] = AppupFile(path: appupPath, contents: .failure(error))
            }
        }
        return ReleaseFiles(release: release, path: path, applications: applications, appups: appups)
    }

    /// The `.app` of `name` in `version` and its directory; or one in another version if
    /// no directory has that one; or `nil` if none has any.
    private func findApplication(
        _ name: String,
        version: String
    ) throws(ReleaseFileError) -> (ApplicationSpec, String)? {
        var otherVersion: (ApplicationSpec, String)?
        var firstProblem: ReleaseFileError?
        for library in libraryDirectories {
            for directory in ["\(library)/\(name)-\(version)/ebin", "\(library)/\(name)/ebin"] {
                let path = "\(directory)/\(name).app"
                guard FileManager.default.fileExists(atPath: path) else { continue }
                do throws(ReleaseFileError) {
                    let spec = try Self.decodeFile(path) { (located, file) throws(ReleaseFileError) in
                        try ApplicationSpec(located: located, file: file)
                    }
                    if spec.version == version { return (spec, directory) }
                    if otherVersion == nil { otherVersion = (spec, directory) }
                } catch {
                    if firstProblem == nil { firstProblem = error }
                }
            }
        }
        if let otherVersion { return otherVersion }
        if let firstProblem { throw firstProblem }
        return nil
    }

    /// Reads `path`, which must hold exactly one term, and decodes it.
    private static func decodeFile<T>(
        _ path: String,
        _ decode: (LocatedTerm, String) throws(ReleaseFileError) -> T
    ) throws(ReleaseFileError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReleaseFileError(
                code: .syntax,
                message: "cannot read '\(path)': no such file, or no permission",
                file: path,
                location: nil
            )
        }
        let terms: [LocatedTerm]
        do {
            terms = try TermParser.parseAllLocated(bytes: data, file: path)
        } catch {
            throw ReleaseFileError(code: .syntax, message: error.message, file: path, location: error.location)
        }
        guard terms.count == 1 else {
            throw ReleaseFileError(
                code: .wrongTermCount,
                message: "expected one term in '\(path)', found \(terms.count)",
                file: path,
                location: terms.count > 1 ? terms[1].location : nil
            )
        }
        return try decode(terms[0], path)
    }
}

/// Writes a relup file as `systools` does: `%% utf-8`, then the term as `~tp` prints it,
/// through a temporary file in the same directory and a rename, so a reader never sees
/// half a file.
public enum RelupFileWriter {
    /// The file's text.
    public static func text(of relup: Relup) -> String {
        TermPrinter.file([relup.term], header: "utf-8")
    }

    /// Writes `relup` to `path`.
    public static func write(_ relup: Relup, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try Data(text(of: relup).utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [NSLocalizedDescriptionKey: "cannot write '\(path)': \(String(cString: strerror(code)))"]
            )
        }
    }
}
