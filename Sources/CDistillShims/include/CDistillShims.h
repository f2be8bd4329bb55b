//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#ifndef C_DISTILL_SHIMS_H
#define C_DISTILL_SHIMS_H

/// Renames `oldpath` (relative to `olddirfd`) to `newpath` (relative to `newdirfd`), failing
/// with EEXIST instead of replacing `newpath` if it exists: renameat2(2) with
/// RENAME_NOREPLACE, which Swift's Glibc module does not expose. Returns 0 or -1 with errno set.
int distill_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

#endif
