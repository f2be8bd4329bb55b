//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// What `swift package describe --type json` says about a package: the parts the release
/// builder needs (products and their kind, targets and what they depend on, the packages
/// it depends on and where they are checked out).
public struct DescribedPackage: Hashable, Sendable, Decodable {
    /// A product of the package.
    public struct Product: Hashable, Sendable, Decodable {
        /// What a product builds.
        public enum Kind: Hashable, Sendable {
            case dynamicLibrary
            case staticLibrary
            /// A library whose linkage SwiftPM chooses (`.library(name:targets:)` without `type:`).
            case automaticLibrary
            case executable
            /// A plugin, macro, snippet or test product.
            case other(String)

            /// How messages name it: "a static library", "an executable".
            public var phrase: String {
                switch self {
                case .dynamicLibrary: "a dynamic library"
                case .staticLibrary: "a static library"
                case .automaticLibrary: "a library without a type (SwiftPM links it statically)"
                case .executable: "an executable"
                case .other(let name): "a \(name) product"
                }
            }
        }

        public var name: String
        public var targets: [String]
        public var kind: Kind

        public init(name: String, targets: [String], kind: Kind) {
            self.name = name
            self.targets = targets
            self.kind = kind
        }

        private enum CodingKeys: String, CodingKey { case name, targets, type }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            targets = try container.decodeIfPresent([String].self, forKey: .targets) ?? []
            let type = try container.decode([String: JSONValue].self, forKey: .type)
            if let linkage = type["library"]?.strings?.first {
                switch linkage {
                case "dynamic": kind = .dynamicLibrary
                case "static": kind = .staticLibrary
                default: kind = .automaticLibrary
                }
            } else if type["executable"] != nil {
                kind = .executable
            } else {
                kind = .other(type.keys.sorted().first ?? "unknown")
            }
        }
    }

    /// A target of the package.
    public struct Target: Hashable, Sendable, Decodable {
        public var name: String
        /// Targets of this package it depends on.
        public var targetDependencies: [String]
        /// Products of other packages it depends on.
        public var productDependencies: [String]

        public init(name: String, targetDependencies: [String] = [], productDependencies: [String] = []) {
            self.name = name
            self.targetDependencies = targetDependencies
            self.productDependencies = productDependencies
        }

        private enum CodingKeys: String, CodingKey {
            case name
            case targetDependencies = "target_dependencies"
            case productDependencies = "product_dependencies"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            targetDependencies = try container.decodeIfPresent([String].self, forKey: .targetDependencies) ?? []
            productDependencies = try container.decodeIfPresent([String].self, forKey: .productDependencies) ?? []
        }
    }

    /// A package this one depends on.
    public struct Dependency: Hashable, Sendable, Decodable {
        public var identity: String
        /// Where it is: the directory of a path dependency (a checkout's is under `.build/checkouts`).
        public var path: String?
        public var url: String?

        public init(identity: String, path: String? = nil, url: String? = nil) {
            self.identity = identity
            self.path = path
            self.url = url
        }
    }

    public var name: String
    /// The package's directory.
    public var path: String
    public var products: [Product]
    public var targets: [Target]
    public var dependencies: [Dependency]

    public init(name: String, path: String, products: [Product], targets: [Target], dependencies: [Dependency] = []) {
        self.name = name
        self.path = path
        self.products = products
        self.targets = targets
        self.dependencies = dependencies
    }

    private enum CodingKeys: String, CodingKey { case name, path, products, targets, dependencies }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        path = try container.decode(String.self, forKey: .path)
        products = try container.decodeIfPresent([Product].self, forKey: .products) ?? []
        targets = try container.decodeIfPresent([Target].self, forKey: .targets) ?? []
        dependencies = try container.decodeIfPresent([Dependency].self, forKey: .dependencies) ?? []
    }

    /// Decodes the output of `swift package describe --type json`.
    public init(json: Data) throws(BuildError) {
        do {
            self = try JSONDecoder().decode(Self.self, from: json)
        } catch {
            throw BuildError(
                code: .invalidPackage,
                message: "cannot read the package description from 'swift package describe': \(error)"
            )
        }
    }

    /// The product named `name`.
    public func product(named name: String) -> Product? { products.first { $0.name == name } }

    /// The targets of this package that `product` is built from: its own and those they
    /// depend on, transitively, in a stable order.
    public func targets(of product: Product) -> [Target] {
        var seen: Set<String> = []
        var order: [Target] = []
        func visit(_ name: String) {
            guard !seen.contains(name), let target = targets.first(where: { $0.name == name }) else { return }
            seen.insert(name)
            order.append(target)
            target.targetDependencies.forEach(visit)
        }
        product.targets.forEach(visit)
        return order
    }

    /// The swift-distill checkout the package builds its runtime and launcher from: the
    /// dependency (or the package itself) with `Sources/distill-run` and `templates/`.
    public func swiftDistillCheckout(buildDirectory: String) -> String? {
        let candidates = dependencies.map { $0.path ?? "\(buildDirectory)/checkouts/\($0.identity)" } + [path]
        return candidates.first {
            FileManager.default.fileExists(atPath: $0 + "/Sources/distill-run")
                && FileManager.default.fileExists(atPath: $0 + "/templates")
        }
    }

    /// The dynamic library products built on `DistillRuntime`: the plugins `init` puts in a release.
    public var pluginProducts: [Product] {
        products.filter { product in
            product.kind == .dynamicLibrary
                && targets(of: product).contains { $0.productDependencies.contains("DistillRuntime") }
        }
    }
}

/// Just enough JSON to look inside `type` objects whose shape varies.
private enum JSONValue: Hashable, Sendable, Decodable {
    case array([JSONValue])
    case string(String)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let elements = try? container.decode([JSONValue].self) {
            self = .array(elements)
        } else {
            self = .other
        }
    }

    var strings: [String]? {
        guard case .array(let elements) = self else { return nil }
        return elements.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }
}
