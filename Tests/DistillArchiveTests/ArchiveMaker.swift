//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation

/// Makes test archives with Python's `tarfile` and `gzip` modules, which write whatever
/// they are told: absolute paths, `..`, devices, links anywhere.
///
/// The script's body is Python that ends by calling `write(bytes)`; helpers:
/// - `file(name, data=b"x", mode=0o644)`, `directory(name, mode=0o755)`, `symlink(name, target)`,
///   `hardlink(name, target)`, `chardev(name)`, `blockdev(name)`, `fifo(name)`, `sparse(name)`
/// - `tar(*entries, fmt=PAX, eof=True, encoding="utf-8")`: the raw tar bytes (without the
///   end-of-archive blocks when `eof` is false)
/// - `gz(raw)`: gzip without timestamp
enum ArchiveMaker {
    static let prelude = """
        import gzip, io, sys, tarfile
        from tarfile import PAX_FORMAT as PAX, GNU_FORMAT as GNU, USTAR_FORMAT as USTAR
        def entry(name, type, data=b"", mode=0o644, link=""):
            info = tarfile.TarInfo(name)
            info.type = type
            info.mode = mode
            info.linkname = link
            info.size = len(data)
            info.mtime = 1700000000
            return (info, data)
        def file(name, data=b"x", mode=0o644): return entry(name, tarfile.REGTYPE, data, mode)
        def directory(name, mode=0o755): return entry(name, tarfile.DIRTYPE, mode=mode)
        def symlink(name, target): return entry(name, tarfile.SYMTYPE, mode=0o777, link=target)
        def hardlink(name, target): return entry(name, tarfile.LNKTYPE, link=target)
        def chardev(name): return entry(name, tarfile.CHRTYPE)
        def blockdev(name): return entry(name, tarfile.BLKTYPE)
        def fifo(name): return entry(name, tarfile.FIFOTYPE)
        def sparse(name): return entry(name, tarfile.GNUTYPE_SPARSE)
        def tar(*entries, fmt=PAX, eof=True, encoding="utf-8"):
            buffer = io.BytesIO()
            archive = tarfile.open(fileobj=buffer, mode="w", format=fmt, encoding=encoding)
            for info, data in entries:
                archive.addfile(info, io.BytesIO(data))
            if eof:
                archive.close()
            return buffer.getvalue()
        def gz(raw): return gzip.compress(raw, mtime=0)
        def write(data):
            with open(sys.argv[1], "wb") as out:
                out.write(data)

        """

    /// Runs `body` (Python, see above) to write the archive at `path`.
    static func make(_ path: String, _ body: String) throws {
        try runProcess("/usr/bin/env", ["python3", "-c", prelude + body, path])
    }
}
