//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// A release upgrade script, `releases/VSN/relup`:
/// `{Vsn, [{UpFromVsn, Descr, [Instruction]}], [{DownToVsn, Descr, [Instruction]}]}.`
///
/// One entry per base release, each a low-level script (``RelupInstruction``).
/// OTP writes the file as `%% utf-8` followed by the term.
public struct Relup: Hashable, Sendable {
    /// One `{Vsn, Descr, [Instruction]}` entry.
    public struct Entry: Hashable, Sendable {
        /// The release version upgraded from (or downgraded to); matched exactly.
        public var version: String
        /// A free description, `[]` unless given to `make_relup`.
        public var description: Term
        /// The script.
        public var instructions: [RelupInstruction]

        public init(version: String, description: Term = .nil, instructions: [RelupInstruction]) {
            self.version = version
            self.description = description
            self.instructions = instructions
        }

        /// `{Vsn, Descr, [Instruction]}`.
        public var term: Term { .tuple([.string(version), description, .list(instructions.map(\.term))]) }
    }

    /// The release version this relup upgrades to.
    public var version: String
    /// How to upgrade from each base release.
    public var upgrades: [Entry]
    /// How to downgrade to each base release.
    public var downgrades: [Entry]

    public init(version: String, upgrades: [Entry], downgrades: [Entry]) {
        self.version = version
        self.upgrades = upgrades
        self.downgrades = downgrades
    }

    /// The up entry for base release `version`, if any.
    public func upgrade(from version: String) -> Entry? { upgrades.first { $0.version == version } }

    /// The down entry for base release `version`, if any.
    public func downgrade(to version: String) -> Entry? { downgrades.first { $0.version == version } }
}

// MARK: - Terms

extension Relup {
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
            "a relup file",
            count: 3,
            shape: "{Vsn, [{UpFromVsn, Descr, [Instruction]}], [{DownToVsn, Descr, [Instruction]}]}"
        )
        version = try parts[0].string("the version of a relup")
        upgrades = try Self.entries(parts[1], direction: "up")
        downgrades = try Self.entries(parts[2], direction: "down")
    }

    private static func entries(_ node: Node, direction: String) throws(ReleaseFileError) -> [Entry] {
        try node.eachElement("the \(direction) entries of a relup") { element throws(ReleaseFileError) -> Entry in
            let parts = try element.tuple(
                "a relup \(direction) entry",
                count: 3,
                shape: "a {Vsn, Descr, [Instruction]} tuple"
            )
            let version = try parts[0].string("the version of a relup entry")
            let instructions = try parts[2].eachElement("the instructions of a relup entry") {
                instruction throws(ReleaseFileError) -> RelupInstruction in
                guard let decoded = try RelupInstruction(node: instruction) else {
                    throw InstructionName.unknown(instruction, appup: false)
                }
                return decoded
            }
            return Entry(version: version, description: parts[1].term, instructions: instructions)
        }
    }
}
