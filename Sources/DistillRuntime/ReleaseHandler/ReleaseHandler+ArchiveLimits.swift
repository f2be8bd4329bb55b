//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillArchive
import DistillTerm

extension ReleaseHandler.Configuration {
    /// The keys of `{distill, [{archive_limits, [...]}]}` in `sys.config`, with the limit each sets.
    static var archiveLimitKeys: [(key: String, limit: WritableKeyPath<ArchiveLimits, Int64>)] {
        [
            ("total_size", \.maximumTotalSize),
            ("entry_size", \.maximumEntrySize),
            ("entries", \.entryCount),
            ("path_length", \.pathLength),
            ("extension_headers", \.extensionHeaderCount),
            ("extension_header_size", \.extensionHeaderSize),
            ("metadata_size", \.maximumMetadataSize),
        ]
    }

    /// Sets ``archiveLimits`` from the node's configuration: `sys.config`'s
    /// `{distill, [{archive_limits, [{total_size, Bytes}, {entry_size, Bytes}, {entries, N},
    /// {path_length, Bytes}, {extension_headers, N}, {extension_header_size, Bytes},
    /// {metadata_size, Bytes}]}]}` (``ArchiveLimits``; a key left out keeps its default).
    /// `term` is the `archive_limits` value, `nil` when there is none.
    public mutating func readArchiveLimits(_ term: Term?) throws(ReleaseHandlerError) {
        guard let term else { return }
        let origin = "sys.config: {distill, [{archive_limits, ...}]}"
        guard let elements = term.listElements else {
            throw ReleaseHandlerError(.configFailed, "\(origin) must be a list of {Key, Value}, found \(term)")
        }
        for element in elements {
            guard let pair = element.tupleElements, pair.count == 2, let key = pair[0].atomValue,
                let limit = Self.archiveLimitKeys.first(where: { $0.key == key })?.limit
            else {
                let keys = Self.archiveLimitKeys.map(\.key).joined(separator: ", ")
                throw ReleaseHandlerError(.configFailed, "\(origin): unknown entry \(element); the keys are \(keys)")
            }
            guard let value = pair[1].intValue, value > 0 else {
                throw ReleaseHandlerError(
                    .configFailed,
                    "\(origin): \(key) must be an integer above 0, found \(pair[1])"
                )
            }
            archiveLimits[keyPath: limit] = Int64(value)
        }
    }
}

extension ArchiveLimits {
    /// The `Int` limits seen as `Int64`, so that one table sets every limit.
    fileprivate var entryCount: Int64 {
        get { Int64(maximumEntryCount) }
        set { maximumEntryCount = Int(newValue) }
    }

    fileprivate var pathLength: Int64 {
        get { Int64(maximumPathLength) }
        set { maximumPathLength = Int(newValue) }
    }

    fileprivate var extensionHeaderCount: Int64 {
        get { Int64(maximumExtensionHeaderCount) }
        set { maximumExtensionHeaderCount = Int(newValue) }
    }

    fileprivate var extensionHeaderSize: Int64 {
        get { Int64(maximumExtensionHeaderSize) }
        set { maximumExtensionHeaderSize = Int(newValue) }
    }
}
