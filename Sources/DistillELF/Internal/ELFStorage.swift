//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The bytes of one ELF file: a read-only memory mapping of the file, or a private copy of
/// bytes given in memory. Immutable once made, so it is safe to share between threads.
final class ELFStorage: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let mappedLength: Int  // 0 when `base` was allocated, not mapped

    /// Copies `bytes` into memory this storage owns.
    init(copying bytes: [UInt8]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { source in
            if let start = source.baseAddress { buffer.copyMemory(from: start, byteCount: source.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = bytes.count
        mappedLength = 0
    }

    /// Maps the file at `path` read-only. The descriptor is closed before this returns;
    /// the mapping lives until the storage is released.
    init(mapping path: String) throws(ELFError) {
        func failure(_ what: String) -> ELFError {
            let reason = String(cString: strerror(errno))
            return ELFError(code: .io, file: path, message: "cannot \(what): \(reason)")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open the file") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("read the file's status") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ELFError(code: .io, file: path, message: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            // mmap refuses a zero length; an empty file is simply too short to be ELF.
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            base = UnsafeRawPointer(buffer)
            count = 0
            mappedLength = 0
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw failure("map the file into memory")
        }
        base = UnsafeRawPointer(mapped)
        count = size
        mappedLength = size
    }

    deinit {
        if mappedLength > 0 {
            munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    // MARK: - Unchecked little-endian loads; callers check ranges first

    @inline(__always) func u8(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }
    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) func u64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    func buffer(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
