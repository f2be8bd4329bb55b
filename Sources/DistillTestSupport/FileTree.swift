//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// What a directory tree holds, for comparing trees in tests: each path (relative, sorted)
/// with its type, permission bits, and content or link target. Times and owners are left out.
public struct FileTree: Hashable, CustomStringConvertible {
    /// One path's type, permissions, and content or link target.
    public enum Node: Hashable {
        case directory(permissions: Int)
        case file(permissions: Int, contents: Data)
        case symbolicLink(target: String)
        case other(type: String)
    }

    public var nodes: [String: Node]

    /// Reads the tree under `root` without following symbolic links.
    public init(at root: String) throws {
        nodes = [:]
        let fileManager = FileManager.default
        for path in try fileManager.subpathsOfDirectory(atPath: root) {
            let full = root + "/" + path
            let attributes = try fileManager.attributesOfItem(atPath: full)
            let permissions = (attributes[.posixPermissions] as? Int) ?? -1
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?: nodes[path] = .directory(permissions: permissions)
            case .typeRegular?:
                nodes[path] = .file(
                    permissions: permissions,
                    contents: try Data(contentsOf: URL(fileURLWithPath: full))
                )
            case .typeSymbolicLink?:
                nodes[path] = .symbolicLink(target: try fileManager.destinationOfSymbolicLink(atPath: full))
            case let type: nodes[path] = .other(type: type?.rawValue ?? "unknown")
            }
        }
    }

    /// The tree as a release tarball holds it (TarballWriter's modes): directories 0755, files
    /// 0755 if any execute bit is set, else 0644.
    public var packed: FileTree {
        var result = self
        for (path, node) in nodes {
            switch node {
            case .directory: result.nodes[path] = .directory(permissions: 0o755)
            case .file(let permissions, let contents):
                result.nodes[path] = .file(permissions: permissions & 0o111 != 0 ? 0o755 : 0o644, contents: contents)
            default: break
            }
        }
        return result
    }

    /// Writes `contents` to `path` with permissions `mode`, making the directories it needs.
    public static func write(_ path: String, _ contents: String, mode: Int = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Only the names and types under `root` (no contents): a cheap "nothing changed here" check.
    public static func listing(at root: String) throws -> [String] {
        try FileTree(at: root).nodes.map { path, node in
            switch node {
            case .directory: "d \(path)"
            case .file(_, let contents): "f \(path) \(contents.count)"
            case .symbolicLink(let target): "l \(path) -> \(target)"
            case .other(let type): "? \(path) \(type)"
            }
        }.sorted()
    }

    public var description: String {
        nodes.keys.sorted().map { path in
            switch nodes[path]! {
            case .directory(let permissions): "d \(String(permissions, radix: 8)) \(path)"
            case .file(let permissions, let contents):
                "f \(String(permissions, radix: 8)) \(path) (\(contents.count) bytes)"
            case .symbolicLink(let target): "l \(path) -> \(target)"
            case .other(let type): "? \(path) \(type)"
            }
        }.joined(separator: "\n")
    }
}
