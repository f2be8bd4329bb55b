//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The application version this product is; the rest of its code is in Shared/ (linked).
let kvVersion = "0.1.0"
