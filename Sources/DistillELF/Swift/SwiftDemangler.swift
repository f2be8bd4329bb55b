//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `char *swift_demangle(const char *mangledName, size_t mangledNameLength,
/// char *outputBuffer, size_t *outputBufferSize, uint32_t flags)`, exported by
/// libswiftCore. Declared here instead of through a C module: its arguments are pointers
/// and integers, which the Swift and C calling conventions pass alike on x86-64 and AArch64.
@_silgen_name("swift_demangle")
private func runtimeDemangle(
    _ mangledName: UnsafePointer<CChar>?,
    _ mangledNameLength: Int,
    _ outputBuffer: UnsafeMutablePointer<CChar>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?,
    _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

/// Swift symbol names: the Swift runtime's demangler for display and classification, and
/// a reader of the declaration context a mangled name starts with.
public enum SwiftDemangler {
    /// The demangled form of a Swift symbol name, as `swift demangle` prints it, e.g.
    /// `$s4Demo2KVV3getyS2iF` → `Demo.KV.get(Swift.Int) -> Swift.Int`; `nil` for names that
    /// are not Swift-mangled (C symbols, local labels).
    public static func demangle(_ mangledName: String) -> String? {
        guard mangledName.hasPrefix("$s") || mangledName.hasPrefix("$e") || mangledName.hasPrefix("_$s") else {
            return nil
        }
        var name = mangledName
        return name.withUTF8 { utf8 -> String? in
            utf8.withMemoryRebound(to: CChar.self) { chars -> String? in
                guard let result = runtimeDemangle(chars.baseAddress, chars.count, nil, nil, 0) else { return nil }
                defer { free(result) }
                return String(cString: result)
            }
        }
    }

    /// The declaration context that a mangled Swift name starts with: its module and the
    /// chain of nominal types (outermost first) that the entity is declared in, or `nil`
    /// for names that do not start with a declaration context (C symbols, type manglings
    /// of tuples and functions, reabstraction thunks).
    ///
    /// Swift mangling is postfix, but it puts an entity's context first, so this reads
    /// only the leading module, identifiers and kind operators:
    /// `$s4Demo2KVV6NestedV3getyyF` → `Demo`, `[KV, Nested]`. Protocol witnesses
    /// (`$s4Demo2KVVAA1PA2aDP1fyyFTW`) start with the conforming type, closures and
    /// specializations with the function's context. An extension of another module's type
    /// reports the extending module in ``SwiftSymbolContext/extensionModule`` when it is
    /// unconstrained (constrained extensions need the demangled text; see ``SwiftTypeIndex``).
    public static func context(of mangledName: String) -> SwiftSymbolContext? {
        var scanner = MangledNameScanner(mangledName)
        return scanner.leadingContext()
    }
}

/// The module and nominal types a mangled Swift symbol is declared in.
public struct SwiftSymbolContext: Hashable, Sendable {
    /// The module of the outermost context, e.g. `Demo`, `Swift`, or `__C` for imported C.
    public var module: String
    /// The nominal types, outermost first; empty for a module-scope function or variable.
    public var types: [SwiftNominalName]
    /// The module of the extension the entity is declared in, when the leading type is
    /// another module's type extended there (`extension Array { … }` in `Demo`).
    public var extensionModule: String?

    /// The qualified name of the innermost type, as the demangler prints it, e.g.
    /// `Demo.KV.Nested` or `Demo.(Secret in _0123…)`; `nil` at module scope.
    public var qualifiedTypeName: String? { types.isEmpty ? nil : qualifiedName(depth: types.count) }

    /// The qualified name of the first `depth` types (`depth` ≥ 1).
    public func qualifiedName(depth: Int) -> String {
        ([module] + types.prefix(depth).map(\.description)).joined(separator: ".")
    }
}

/// One nominal type in a declaration context.
public struct SwiftNominalName: Hashable, Sendable, CustomStringConvertible {
    /// What kind of type it is.
    public enum Kind: Hashable, Sendable { case `struct`, `class`, `enum`, `protocol` }

    /// The type's name.
    public var name: String
    public var kind: Kind
    /// The file discriminator of a `private` or `fileprivate` type, e.g. `_0123…`.
    public var privateDiscriminator: String?

    /// `Name`, or `(Name in _0123…)` for a file-private type, as the demangler prints it.
    public var description: String {
        guard let privateDiscriminator else { return name }
        return "(\(name) in \(privateDiscriminator))"
    }
}

// MARK: - Reading the leading context

/// Reads identifiers (with word substitutions) and kind operators from the front of a
/// mangled name, following the rules of the Swift demangler (docs/ABI/Mangling.rst).
struct MangledNameScanner {
    private let text: [UInt8]
    private var position = 0
    private var words: [ArraySlice<UInt8>] = []
    /// The demangler's substitution table as far as the leading context goes: every
    /// identifier read (the module's, each type's) and each nominal type, in order; `AA`,
    /// `AB`, ... refer to its entries (`$s2KVAAV` is struct `KV` of module `KV`).
    private var substitutions: [Substitution] = []

    private enum Substitution {
        case identifier(String)
        case type
    }

    init(_ name: String) { text = Array(name.utf8) }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < text.count ? text[position + offset] : nil
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5a }
    private static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7a }

    private mutating func natural() -> Int? {
        guard let first = peek(), Self.isDigit(first) else { return nil }
        var value = 0
        while let c = peek(), Self.isDigit(c) {
            value = value &* 10 &+ Int(c - 0x30)
            position += 1
            if value > text.count { return nil }
        }
        return value
    }

    /// An identifier: `NATURAL chars`, or `0` with word substitutions. Punycode (`00`)
    /// identifiers are not decoded (`nil`).
    mutating func identifier() -> String? {
        guard let first = peek(), Self.isDigit(first) else { return nil }
        var hasWordSubstitutions = false
        if first == 0x30 {
            guard peek(1) != 0x30 else { return nil }  // Punycode
            position += 1
            hasWordSubstitutions = true
        }
        var result: [UInt8] = []
        repeat {
            while hasWordSubstitutions, let c = peek(), Self.isLower(c) || Self.isUpper(c) {
                position += 1
                let index = Int(Self.isLower(c) ? c - 0x61 : c - 0x41)
                if Self.isUpper(c) { hasWordSubstitutions = false }
                guard index < words.count else { return nil }
                result += words[index]
            }
            if peek() == 0x30 {
                position += 1
                break
            }
            guard let count = natural(), count > 0, position + count <= text.count else { return nil }
            let slice = text[position..<position + count]
            result += slice
            addWords(slice)
            position += count
        } while hasWordSubstitutions
        return result.isEmpty ? nil : String(decoding: result, as: UTF8.self)
    }

    /// Remembers the words of an identifier's literal text (up to 26), as the demangler does.
    private mutating func addWords(_ slice: ArraySlice<UInt8>) {
        func isWordStart(_ c: UInt8) -> Bool { !Self.isDigit(c) && c != 0x5f && c != 0 }
        func isWordEnd(_ c: UInt8, _ previous: UInt8) -> Bool {
            c == 0x5f || c == 0 || (!Self.isUpper(previous) && Self.isUpper(c))
        }
        var wordStart = -1
        let base = slice.startIndex
        for index in 0...slice.count {
            let c = index < slice.count ? slice[base + index] : 0
            if wordStart >= 0 && isWordEnd(c, slice[base + index - 1]) {
                if index - wordStart >= 2 && words.count < 26 {
                    words.append(slice[base + wordStart..<base + index])
                }
                wordStart = -1
            }
            if wordStart < 0 && isWordStart(c) { wordStart = index }
        }
    }

    private static let knownTypes: [UInt8: (String, SwiftNominalName.Kind)] = [
        UInt8(ascii: "A"): ("AutoreleasingUnsafeMutablePointer", .struct), UInt8(ascii: "a"): ("Array", .struct),
        UInt8(ascii: "B"): ("BinaryFloatingPoint", .protocol), UInt8(ascii: "b"): ("Bool", .struct),
        UInt8(ascii: "D"): ("Dictionary", .struct), UInt8(ascii: "d"): ("Double", .struct),
        UInt8(ascii: "E"): ("Encodable", .protocol), UInt8(ascii: "e"): ("Decodable", .protocol),
        UInt8(ascii: "F"): ("FloatingPoint", .protocol), UInt8(ascii: "f"): ("Float", .struct),
        UInt8(ascii: "G"): ("RandomNumberGenerator", .protocol), UInt8(ascii: "H"): ("Hashable", .protocol),
        UInt8(ascii: "h"): ("Set", .struct), UInt8(ascii: "I"): ("DefaultIndices", .struct),
        UInt8(ascii: "i"): ("Int", .struct), UInt8(ascii: "J"): ("Character", .struct),
        UInt8(ascii: "j"): ("Numeric", .protocol), UInt8(ascii: "K"): ("BidirectionalCollection", .protocol),
        UInt8(ascii: "k"): ("RandomAccessCollection", .protocol), UInt8(ascii: "L"): ("Comparable", .protocol),
        UInt8(ascii: "l"): ("Collection", .protocol), UInt8(ascii: "M"): ("MutableCollection", .protocol),
        UInt8(ascii: "m"): ("RangeReplaceableCollection", .protocol), UInt8(ascii: "N"): ("ClosedRange", .struct),
        UInt8(ascii: "n"): ("Range", .struct), UInt8(ascii: "O"): ("ObjectIdentifier", .struct),
        UInt8(ascii: "P"): ("UnsafePointer", .struct), UInt8(ascii: "p"): ("UnsafeMutablePointer", .struct),
        UInt8(ascii: "Q"): ("Equatable", .protocol), UInt8(ascii: "q"): ("Optional", .enum),
        UInt8(ascii: "R"): ("UnsafeBufferPointer", .struct), UInt8(ascii: "r"): ("UnsafeMutableBufferPointer", .struct),
        UInt8(ascii: "S"): ("String", .struct), UInt8(ascii: "s"): ("Substring", .struct),
        UInt8(ascii: "T"): ("Sequence", .protocol), UInt8(ascii: "t"): ("IteratorProtocol", .protocol),
        UInt8(ascii: "U"): ("UnsignedInteger", .protocol), UInt8(ascii: "u"): ("UInt", .struct),
        UInt8(ascii: "V"): ("UnsafeRawPointer", .struct), UInt8(ascii: "v"): ("UnsafeMutableRawPointer", .struct),
        UInt8(ascii: "W"): ("UnsafeRawBufferPointer", .struct),
        UInt8(ascii: "w"): ("UnsafeMutableRawBufferPointer", .struct),
        UInt8(ascii: "X"): ("RangeExpression", .protocol), UInt8(ascii: "x"): ("Strideable", .protocol),
        UInt8(ascii: "Y"): ("RawRepresentable", .protocol), UInt8(ascii: "y"): ("StringProtocol", .protocol),
        UInt8(ascii: "Z"): ("SignedInteger", .protocol), UInt8(ascii: "z"): ("BinaryInteger", .protocol),
    ]

    private static let knownConcurrencyTypes: [UInt8: (String, SwiftNominalName.Kind)] = [
        UInt8(ascii: "A"): ("Actor", .protocol), UInt8(ascii: "C"): ("CheckedContinuation", .struct),
        UInt8(ascii: "c"): ("UnsafeContinuation", .struct), UInt8(ascii: "E"): ("CancellationError", .struct),
        UInt8(ascii: "e"): ("UnownedSerialExecutor", .struct), UInt8(ascii: "F"): ("Executor", .protocol),
        UInt8(ascii: "f"): ("SerialExecutor", .protocol), UInt8(ascii: "G"): ("TaskGroup", .struct),
        UInt8(ascii: "g"): ("ThrowingTaskGroup", .struct), UInt8(ascii: "I"): ("AsyncIteratorProtocol", .protocol),
        UInt8(ascii: "i"): ("AsyncSequence", .protocol), UInt8(ascii: "J"): ("UnownedJob", .struct),
        UInt8(ascii: "M"): ("MainActor", .class), UInt8(ascii: "P"): ("TaskPriority", .struct),
        UInt8(ascii: "S"): ("AsyncStream", .struct), UInt8(ascii: "s"): ("AsyncThrowingStream", .struct),
        UInt8(ascii: "T"): ("Task", .struct), UInt8(ascii: "t"): ("UnsafeCurrentTask", .struct),
        UInt8(ascii: "h"): ("TaskExecutor", .protocol),
    ]

    /// A standard type this table does not know (added by a newer toolchain), named by
    /// asking the runtime's demangler for its descriptor.
    private static func askRuntime(_ substitution: String) -> (String, SwiftNominalName.Kind)? {
        for (suffix, prefix, kind) in [
            ("Mn", "nominal type descriptor for Swift.", SwiftNominalName.Kind.struct),
            ("Mp", "protocol descriptor for Swift.", .protocol),
        ] {
            if let text = SwiftDemangler.demangle("$s" + substitution + suffix), text.hasPrefix(prefix) {
                return (String(text.dropFirst(prefix.count)), kind)
            }
        }
        return nil
    }

    mutating func leadingContext() -> SwiftSymbolContext? {
        if text.starts(with: Array("_$s".utf8)) {
            position = 3
        } else if text.starts(with: Array("$s".utf8)) || text.starts(with: Array("$e".utf8)) {
            position = 2
        } else {
            return nil
        }
        var context: SwiftSymbolContext
        switch peek() {
        case UInt8(ascii: "s")?:
            position += 1
            context = SwiftSymbolContext(module: "Swift", types: [])
        case UInt8(ascii: "S")?:
            switch peek(1) {
            case UInt8(ascii: "o")?:
                position += 2
                context = SwiftSymbolContext(module: "__C", types: [])
            case UInt8(ascii: "C")?:
                position += 2
                context = SwiftSymbolContext(module: "__C_Synthesized", types: [])
            case UInt8(ascii: "c")?:
                guard let letter = peek(2),
                    let (name, kind) = Self.knownConcurrencyTypes[letter]
                        ?? Self.askRuntime("Sc" + String(decoding: [letter], as: UTF8.self))
                else { return nil }
                position += 3
                context = SwiftSymbolContext(module: "Swift", types: [SwiftNominalName(name: name, kind: kind)])
            case let letter?:
                guard Self.isLower(letter) || Self.isUpper(letter),
                    let (name, kind) = Self.knownTypes[letter]
                        ?? Self.askRuntime("S" + String(decoding: [letter], as: UTF8.self))
                else { return nil }
                position += 2
                context = SwiftSymbolContext(module: "Swift", types: [SwiftNominalName(name: name, kind: kind)])
            case nil:
                return nil
            }
        case let c? where Self.isDigit(c):
            guard let module = identifier() else { return nil }
            substitutions.append(.identifier(module))
            context = SwiftSymbolContext(module: module, types: [])
        default:
            return nil
        }
        // Nominal types: identifier [discriminator 'LL'] kind; an extension: module 'E'. The
        // identifier may be a substitution of one read before (a type named like its module).
        while let c = peek() {
            let start = position
            let wordCount = words.count
            let substitutionCount = substitutions.count
            let name: String
            if Self.isDigit(c) {
                guard let identifier = identifier() else { break }
                name = identifier
                substitutions.append(.identifier(identifier))
            } else if c == UInt8(ascii: "A"), let letter = peek(1), Self.isUpper(letter),
                Int(letter - UInt8(ascii: "A")) < substitutions.count,
                case .identifier(let identifier) = substitutions[Int(letter - UInt8(ascii: "A"))]
            {
                name = identifier
                position += 2
            } else {
                break
            }
            var discriminator: String?
            if let next = peek(), Self.isDigit(next) {
                let afterName = position
                let wordsAfterName = words.count
                if let second = identifier(), peek() == UInt8(ascii: "L"), peek(1) == UInt8(ascii: "L") {
                    discriminator = second
                    substitutions.append(.identifier(second))
                    position += 2
                } else {
                    position = afterName
                    words.removeSubrange(wordsAfterName...)
                }
            }
            let kind: SwiftNominalName.Kind
            switch peek() {
            case UInt8(ascii: "V")?: kind = .struct
            case UInt8(ascii: "C")?: kind = .class
            case UInt8(ascii: "O")?: kind = .enum
            case UInt8(ascii: "P")?: kind = .protocol
            case UInt8(ascii: "E")?
            where discriminator == nil && !context.types.isEmpty && context.extensionModule == nil:
                position += 1
                context.extensionModule = name
                continue
            default:
                // A protocol is mangled without its `P` in its descriptors (`Mp`, `TL`, `MS`,
                // `WS`, `Hr` ending the name) and in an existential (`_p`).
                let rest = text[position...]
                if rest.starts(with: Array("_p".utf8))
                    || (rest.count == 2 && ["Mp", "TL", "MS", "WS", "Hr"].contains { rest.elementsEqual($0.utf8) })
                {
                    context.types.append(
                        SwiftNominalName(name: name, kind: .protocol, privateDiscriminator: discriminator)
                    )
                    return context
                }
                position = start  // an entity's name, not a type: the context ends here
                words.removeSubrange(wordCount...)
                substitutions.removeSubrange(substitutionCount...)
                return context
            }
            position += 1
            context.types.append(SwiftNominalName(name: name, kind: kind, privateDiscriminator: discriminator))
            substitutions.append(.type)
        }
        return context
    }
}
