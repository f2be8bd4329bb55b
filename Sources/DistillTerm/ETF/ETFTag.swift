//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The tags of the External Term Format (erts `external.h`, "External Term Format" in the
/// ERTS user's guide).
enum ETFTag {
    static let version: UInt8 = 131
    static let compressed: UInt8 = 80
    static let newFloat: UInt8 = 70
    static let bitBinary: UInt8 = 77
    static let atomCacheReference: UInt8 = 82
    static let distributionHeader: UInt8 = 68
    static let distributionFragmentHeader: UInt8 = 69
    static let local: UInt8 = 121
    static let newPid: UInt8 = 88
    static let newPort: UInt8 = 89
    static let newerReference: UInt8 = 90
    static let smallInteger: UInt8 = 97
    static let integer: UInt8 = 98
    static let float: UInt8 = 99
    static let atom: UInt8 = 100
    static let reference: UInt8 = 101
    static let port: UInt8 = 102
    static let pid: UInt8 = 103
    static let smallTuple: UInt8 = 104
    static let largeTuple: UInt8 = 105
    static let `nil`: UInt8 = 106
    static let string: UInt8 = 107
    static let list: UInt8 = 108
    static let binary: UInt8 = 109
    static let smallBig: UInt8 = 110
    static let largeBig: UInt8 = 111
    static let newFun: UInt8 = 112
    static let export: UInt8 = 113
    static let newReference: UInt8 = 114
    static let smallAtom: UInt8 = 115
    static let map: UInt8 = 116
    static let fun: UInt8 = 117
    static let atomUTF8: UInt8 = 118
    static let smallAtomUTF8: UInt8 = 119
    static let v4Port: UInt8 = 120

    /// The specification's name for `tag`, e.g. `NEW_FUN_EXT`, or `nil` for an unknown tag.
    static func name(_ tag: UInt8) -> String? {
        switch tag {
        case compressed: return "COMPRESSED"
        case newFloat: return "NEW_FLOAT_EXT"
        case bitBinary: return "BIT_BINARY_EXT"
        case atomCacheReference: return "ATOM_CACHE_REF"
        case distributionHeader: return "DIST_HEADER"
        case distributionFragmentHeader: return "DIST_FRAG_HEADER"
        case local: return "LOCAL_EXT"
        case newPid: return "NEW_PID_EXT"
        case newPort: return "NEW_PORT_EXT"
        case newerReference: return "NEWER_REFERENCE_EXT"
        case smallInteger: return "SMALL_INTEGER_EXT"
        case integer: return "INTEGER_EXT"
        case float: return "FLOAT_EXT"
        case atom: return "ATOM_EXT"
        case reference: return "REFERENCE_EXT"
        case port: return "PORT_EXT"
        case pid: return "PID_EXT"
        case smallTuple: return "SMALL_TUPLE_EXT"
        case largeTuple: return "LARGE_TUPLE_EXT"
        case `nil`: return "NIL_EXT"
        case string: return "STRING_EXT"
        case list: return "LIST_EXT"
        case binary: return "BINARY_EXT"
        case smallBig: return "SMALL_BIG_EXT"
        case largeBig: return "LARGE_BIG_EXT"
        case newFun: return "NEW_FUN_EXT"
        case export: return "EXPORT_EXT"
        case newReference: return "NEW_REFERENCE_EXT"
        case smallAtom: return "SMALL_ATOM_EXT"
        case map: return "MAP_EXT"
        case fun: return "FUN_EXT"
        case atomUTF8: return "ATOM_UTF8_EXT"
        case smallAtomUTF8: return "SMALL_ATOM_UTF8_EXT"
        case v4Port: return "V4_PORT_EXT"
        default: return nil
        }
    }

    /// `NAME (tag N)`, or `tag N` for an unknown tag.
    static func describe(_ tag: UInt8) -> String {
        if let name = name(tag) { return "\(name) (tag \(tag))" }
        return "tag \(tag)"
    }
}
