//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Glibc

/// Starts a detached thread running `body`.
func startThread(name: String, stackSize: Int = 8 << 20, _ body: @escaping @Sendable () -> Void) {
    let result = tryStartThread(name: name, stackSize: stackSize, body)
    precondition(result == 0, "pthread_create failed: \(result)")
}

/// Starts a detached thread as ``startThread(name:stackSize:_:)`` does, but returns
/// `pthread_create`'s error (`EAGAIN` when the process or the system has no more threads)
/// instead of trapping; 0 if the thread runs. On an error, `body` is never run.
func tryStartThread(name: String, stackSize: Int = 8 << 20, _ body: @escaping @Sendable () -> Void) -> Int32 {
    // @unchecked: immutable; handed to the new thread once, through `pthread_create`.
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, stackSize)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        &attributes,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            distill_set_thread_name(String(box.name.prefix(15)))
            box.body()
            return nil
        },
        box
    )
    pthread_attr_destroy(&attributes)
    if result != 0 { Unmanaged<Box>.fromOpaque(box).release() }
    return result
}
