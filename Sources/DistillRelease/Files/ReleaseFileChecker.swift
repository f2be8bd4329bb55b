//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// The kinds of file `swift-distill check` reads.
public enum ReleaseFileKind: String, Hashable, Sendable, CaseIterable {
    /// `ebin/APP.app` (``ApplicationSpec``).
    case app
    /// `releases/VSN/NAME.rel` (``ReleaseSpec``).
    case rel
    /// `ebin/APP.appup` (``Appup``).
    case appup
    /// `releases/VSN/relup` (``Relup``).
    case relup
    /// `releases/RELEASES` (``ReleasesFile``).
    case releases
    /// `releases/start_erl.data` (``StartErlData``).
    case startErl = "start_erl"
    /// `sys.config` (``SysConfig``).
    case sysConfig = "sys_config"
    /// `rel/config` (``DistillConfig``).
    case relConfig = "rel_config"

    /// The kind a file's path implies: `*.app`, `*.rel`, `*.appup`, `relup`,
    /// `RELEASES`, `start_erl.data`, `sys.config` or `*.sys.config`, and `config` or
    /// any other `*.config` (a `rel/config`). `nil` for any other name.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        switch name {
        case "relup": self = .relup
        case "RELEASES": self = .releases
        case "start_erl.data": self = .startErl
        case "sys.config": self = .sysConfig
        case "config": self = .relConfig
        case _ where name.hasSuffix(".sys.config"): self = .sysConfig
        case _ where name.hasSuffix(".appup"): self = .appup
        case _ where name.hasSuffix(".app"): self = .app
        case _ where name.hasSuffix(".rel"): self = .rel
        case _ where name.hasSuffix(".config"): self = .relConfig
        default: return nil
        }
    }

    /// The file kind in a sentence: "an .app file".
    var noun: String {
        switch self {
        case .app: "an .app file"
        case .rel: "a .rel file"
        case .appup: "an .appup file"
        case .relup: "a relup file"
        case .releases: "a RELEASES file"
        case .startErl: "start_erl.data"
        case .sysConfig: "a sys.config file"
        case .relConfig: "rel/config"
        }
    }
}

/// Checks release files and reports every problem it can find, the code path of
/// `swift-distill check`.
///
/// A syntax error stops the check of its file (the parser cannot resynchronise);
/// otherwise each entry is checked on its own, so one file can report several
/// errors, and warnings about entries OTP ignores (``ReleaseFileError/Code/ignoredKey``).
public enum ReleaseFileChecker {
    /// Every problem in `source`, a file of kind `kind`, sorted by position.
    public static func check(_ source: String, kind: ReleaseFileKind, file: String) -> [ReleaseFileError] {
        if kind == .startErl { return checkStartErl(source, file: file) }
        do {
            return check(try ReleaseFileParsing.terms(source, file: file), kind: kind, file: file)
        } catch {
            return [error]
        }
    }

    /// Every problem in the file contents `bytes` (UTF-8, or Latin-1 with a
    /// `%% coding: latin-1` comment, as `file:consult` reads them), sorted by position.
    public static func check(bytes: some Collection<UInt8>, kind: ReleaseFileKind, file: String) -> [ReleaseFileError] {
        if kind == .startErl {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return [
                    ReleaseFileError(
                        code: .syntax,
                        message: "start_erl.data is not UTF-8 text",
                        file: file,
                        location: nil
                    )
                ]
            }
            return checkStartErl(text, file: file)
        }
        do {
            return check(try ReleaseFileParsing.terms(bytes: bytes, file: file), kind: kind, file: file)
        } catch {
            return [error]
        }
    }

    private static func checkStartErl(_ text: String, file: String) -> [ReleaseFileError] {
        do {
            _ = try StartErlData(parsing: text, file: file)
            return []
        } catch {
            return [error]
        }
    }

    private static func check(_ terms: [LocatedTerm], kind: ReleaseFileKind, file: String) -> [ReleaseFileError] {
        let context = DecodingContext(file: file)
        if kind == .relConfig {
            context.attempt { () throws(ReleaseFileError) in
                _ = try DistillConfig(terms.map { Node($0, context) }, context)
            }
        } else {
            context.attempt { () throws(ReleaseFileError) in
                let node = Node(try ReleaseFileParsing.single(terms, file: file, what: kind.noun), context)
                switch kind {
                case .app: _ = try ApplicationSpec(node: node)
                case .rel: _ = try ReleaseSpec(node: node)
                case .appup: _ = try Appup(node: node)
                case .relup: _ = try Relup(node: node)
                case .releases: _ = try ReleasesFile(node: node)
                case .sysConfig: _ = try SysConfig(node: node)
                case .startErl, .relConfig: break
                }
            }
        }
        return sorted(context.problems)
    }

    /// `problems` by position; those without a position first, order otherwise kept.
    static func sorted(_ problems: [ReleaseFileError]) -> [ReleaseFileError] {
        problems.enumerated().sorted { left, right in
            let l = left.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            let r = right.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            return l != r ? l < r : left.offset < right.offset
        }.map(\.element)
    }
}
