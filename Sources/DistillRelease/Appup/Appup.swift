//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// An application upgrade file, `ebin/APP.appup`:
/// `{Vsn, [{UpFromVsn, [Instruction]}], [{DownToVsn, [Instruction]}]}.`
///
/// Each entry's version is a string or a regular expression in a binary
/// (``AppupVersion``); ``upgradeInstructions(from:)`` and
/// ``downgradeInstructions(to:)`` pick the first entry that matches, as
/// `systools_relup` does.
public struct Appup: Hashable, Sendable {
    /// One `{Vsn, [Instruction]}` entry.
    public struct Entry: Hashable, Sendable {
        /// The version upgraded from (or downgraded to).
        public var version: AppupVersion
        /// The script, as written.
        public var instructions: [AppupInstruction]

        public init(version: AppupVersion, instructions: [AppupInstruction]) {
            self.version = version
            self.instructions = instructions
        }

        /// `{Vsn, [Instruction]}`.
        public var term: Term { .tuple([version.term, .list(instructions.map(\.term))]) }
    }

    /// The application version this appup upgrades to.
    public var version: String
    /// How to upgrade from earlier versions.
    public var upgrades: [Entry]
    /// How to downgrade to earlier versions.
    public var downgrades: [Entry]

    public init(version: String, upgrades: [Entry], downgrades: [Entry]) {
        self.version = version
        self.upgrades = upgrades
        self.downgrades = downgrades
    }

    /// The script of the first up entry matching `version`, or `nil` (OTP's `no_relup`).
    public func upgradeInstructions(from version: String) -> [AppupInstruction]? {
        upgrades.first { $0.version.matches(version) }?.instructions
    }

    /// The script of the first down entry matching `version`, or `nil`.
    public func downgradeInstructions(to version: String) -> [AppupInstruction]? {
        downgrades.first { $0.version.matches(version) }?.instructions
    }
}

// MARK: - Terms

extension Appup {
    /// The `{Vsn, Ups, Downs}` term.
    public var term: Term {
        .tuple([.string(version), .list(upgrades.map(\.term)), .list(downgrades.map(\.term))])
    }

    /// Decodes a `{Vsn, Ups, Downs}` term read from `file`.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        self = try DecodingContext.decode(located, file: file, Self.init(node:))
    }

    init(node: Node) throws(ReleaseFileError) {
        let parts = try node.tuple(
            "an .appup file",
            count: 3,
            shape: "{Vsn, [{UpFromVsn, [Instruction]}], [{DownToVsn, [Instruction]}]}"
        )
        version = try parts[0].string("the version of an appup")
        upgrades = try Self.entries(parts[1], direction: "up")
        downgrades = try Self.entries(parts[2], direction: "down")
    }

    private static func entries(_ node: Node, direction: String) throws(ReleaseFileError) -> [Entry] {
        try node.eachElement("the \(direction) entries of an appup") { element throws(ReleaseFileError) -> Entry in
            let pair = try element.tuple(
                "an appup \(direction) entry",
                count: 2,
                shape: "a {Vsn, [Instruction]} tuple"
            )
            let version = try AppupVersion(node: pair[0])
            let instructions = try pair[1].eachElement("the instructions of an appup entry") {
                instruction throws(ReleaseFileError) in try AppupInstruction(node: instruction)
            }
            return Entry(version: version, instructions: instructions)
        }
    }
}
