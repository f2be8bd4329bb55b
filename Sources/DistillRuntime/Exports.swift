//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// Plugins write `import DistillRuntime` and get `Term` and swift-log's `Logger` with it.
// DistillTerm and Logging are linked into libDistillRuntime.so once; a plugin must never
// link its own copy of either (see PluginABI.md).
@_exported public import DistillTerm
@_exported public import Logging
