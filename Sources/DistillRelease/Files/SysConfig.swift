//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// The application environment of a release, `releases/VSN/sys.config`:
/// `[{App, [{Key, Val}]} | "other.config"].`
///
/// As OTP's `application_controller` reads it: each entry is an application's
/// parameters, or a string naming another config file to read in its place (relative
/// to the release directory; `.config` is added if missing). An application listed
/// twice, or a parameter given twice, is an error, as in OTP.
public struct SysConfig: Hashable, Sendable {
    /// One entry of the list.
    public enum Entry: Hashable, Sendable {
        /// `{App, [{Key, Val}]}`.
        case application(String, [ConfigParameter])
        /// `"path"`: another config file, merged in at this place.
        case include(String)

        /// `{App, [...]}` or `"path"`.
        public var term: Term {
            switch self {
            case .application(let name, let parameters): .tuple([.atom(name), .list(parameters.map(\.term))])
            case .include(let path): .string(path)
            }
        }
    }

    /// The entries, in file order.
    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The parameters this file gives application `name` (not following includes).
    public func parameters(for name: String) -> [ConfigParameter]? {
        for case .application(name, let parameters) in entries { return parameters }
        return nil
    }

    /// The files this one includes, in order.
    public var includes: [String] {
        entries.compactMap { if case .include(let path) = $0 { path } else { nil } }
    }
}

// MARK: - Terms

extension SysConfig {
    /// The list term.
    public var term: Term { .list(entries.map(\.term)) }

    /// Decodes the list term read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file, Self.init(node:))
    }

    init(node: Node) throws(ReleaseFileError) {
        entries = []
        var seen: [String: SourceLocation] = [:]
        for element in try node.list("a sys.config file") {
            let entry = node.context.attempt { () throws(ReleaseFileError) -> Entry in
                if case .tuple = element.term {
                    let pair = try element.tuple(
                        "an application's configuration",
                        count: 2,
                        shape: "an {App, [{Key, Val}]} tuple"
                    )
                    let name = try pair[0].atom("an application name")
                    if let first = seen[name] {
                        throw element.duplicate("configuration of application '\(name)'", first: first)
                    }
                    seen[name] = element.location
                    return .application(
                        name,
                        try pair[1].configParameters("the parameters of '\(name)'", owner: "application '\(name)'")
                    )
                }
                guard let path = element.term.stringValue, !path.isEmpty else {
                    throw element.wrongShape("an entry of sys.config", "an {App, [{Key, Val}]} tuple or a file name")
                }
                return .include(path)
            }
            if let entry { entries.append(entry) }
        }
    }
}
