//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@_spi(Reflection) import Swift

/// The shape of a server's state, read from the Swift runtime's reflection metadata without
/// an instance (the stdlib's `_forEachField(of:options:body:)`): what the manifest reports
/// so that the upgrade planner sees a state change even when nobody bumped `vsn`.
///
/// - `{struct, "Module.Type", [{field, "Type", Shape}, ...]}` for a struct or class outside
///   the standard library, recursively; each field has its type's full name
///   (`"Swift.Dictionary<Swift.String, KV.Entry>"`) and that type's shape;
/// - `{optional, Shape}`, `{list, Shape}`, `{set, Shape}`, `{map, KeyShape, ValueShape}` for
///   the standard containers;
/// - `{enum, "Module.Type"}` for an enum, `{type, "Module.Type"}` for anything else
///   (`Swift.Int`, `Swift.String`, `DistillTerm.Term`); `{recursive, "Module.Type"}` where a
///   type contains itself.
enum StateShape {
    static func describe(_ type: Any.Type) -> Term {
        var path: Set<ObjectIdentifier> = []
        return describe(type, path: &path)
    }

    private static func describe(_ type: Any.Type, path: inout Set<ObjectIdentifier>) -> Term {
        let name = _typeName(type, qualified: true)
        if let container = type as? any ContainerShape.Type {
            return container.shape { describe($0, path: &path) }
        }
        let module = name.prefix { $0 != "." }
        if module == "Swift" || module == "_Concurrency" || module == "DistillTerm" {
            return .tuple([.atom("type"), .string(name)])
        }
        let identifier = ObjectIdentifier(type)
        if path.contains(identifier) { return .tuple([.atom("recursive"), .string(name)]) }
        let kind = metadataKind(type)
        if kind == enumKind { return .tuple([.atom("enum"), .string(name)]) }
        guard kind == structKind || type is AnyClass else { return .tuple([.atom("type"), .string(name)]) }
        var fields: [(String, Any.Type)] = []
        let options = _EachFieldOptions(
            rawValue: type is AnyClass ? classTypeOption | ignoreUnknownOption : ignoreUnknownOption
        )
        let complete = _forEachField(of: type, options: options) { field, _, fieldType, _ in
            fields.append((String(cString: field), fieldType))
            return true
        }
        guard complete else { return .tuple([.atom("type"), .string(name)]) }
        path.insert(identifier)
        defer { path.remove(identifier) }
        return .tuple([
            .atom("struct"), .string(name),
            .list(
                fields.map { field in
                    .tuple([
                        .atom(field.0), .string(_typeName(field.1, qualified: true)), describe(field.1, path: &path),
                    ])
                }
            ),
        ])
    }

    // The metadata kind is the first word of a type's metadata (Swift's stable ABI:
    // docs/ABI/TypeMetadata.rst): 0x200 struct, 0x201 enum, 0x202 optional.
    private static let structKind: UInt = 0x200
    // `_EachFieldOptions.classType` and `.ignoreUnknown` are declared `static var` (not
    // concurrency-safe in Swift 6); these are their values in the standard library.
    private static let classTypeOption: UInt32 = 1 << 0
    private static let ignoreUnknownOption: UInt32 = 1 << 1
    private static let enumKind: UInt = 0x201

    private static func metadataKind(_ type: Any.Type) -> UInt {
        unsafeBitCast(type, to: UnsafePointer<UInt>.self).pointee
    }
}

/// The standard containers say what they contain (conformance casts on metatypes reach the
/// generic arguments that reflection does not give).
protocol ContainerShape {
    static func shape(_ describe: (Any.Type) -> Term) -> Term
}

extension Optional: ContainerShape {
    static func shape(_ describe: (Any.Type) -> Term) -> Term { .tuple([.atom("optional"), describe(Wrapped.self)]) }
}

extension Array: ContainerShape {
    static func shape(_ describe: (Any.Type) -> Term) -> Term { .tuple([.atom("list"), describe(Element.self)]) }
}

extension Set: ContainerShape {
    static func shape(_ describe: (Any.Type) -> Term) -> Term { .tuple([.atom("set"), describe(Element.self)]) }
}

extension Dictionary: ContainerShape {
    static func shape(_ describe: (Any.Type) -> Term) -> Term {
        .tuple([.atom("map"), describe(Key.self), describe(Value.self)])
    }
}
