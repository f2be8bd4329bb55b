//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// What DistillRuntime needs from C that Swift cannot call directly: the futex system call
// (reached through the variadic `syscall`), atomics on raw memory, a thread-local slot, and
// the GNU build-id of a loaded image. Everything is tiny and inlined.

#ifndef C_DISTILL_RUNTIME_H
#define C_DISTILL_RUNTIME_H

#include <stdint.h>
#include <stddef.h>

/// Sleeps while `*word == expected`, at most `timeout_ns` nanoseconds (negative: no limit).
/// Returns 0 when woken (or spuriously), ETIMEDOUT, EAGAIN when `*word != expected`, EINTR.
int distill_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns);

/// Wakes at most `count` threads sleeping on `word`.
void distill_futex_wake(uint32_t *word, int32_t count);

static inline uint32_t distill_load_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void distill_store_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline uint32_t distill_exchange_u32(uint32_t *p, uint32_t v) {
    return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
static inline uint64_t distill_load_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void distill_store_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline int distill_cas_u64(uint64_t *p, uint64_t expected, uint64_t desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static inline void distill_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// A small mutex on one word (0 free, 1 locked, 2 locked with sleepers): a compare-and-swap
/// when free, a short spin when held, then a futex sleep. Unlike the standard library's
/// priority-inheriting mutex it never enters the kernel for a lock held a few nanoseconds.
void distill_lock_slow(uint32_t *word);

static inline void distill_lock(uint32_t *word) {
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    distill_lock_slow(word);
}

static inline void distill_unlock(uint32_t *word) {
    if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2) distill_futex_wake(word, 1);
}

static inline int distill_load_flag(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED) != 0; }
static inline void distill_store_flag(uint32_t *p, int v) { __atomic_store_n(p, v ? 1u : 0u, __ATOMIC_RELAXED); }

/// The calling thread's scheduler worker (an unretained object pointer), or NULL.
void *distill_current_worker(void);
void distill_set_current_worker(void *worker);

/// Copies the GNU build-id of the loaded image that contains `address` into `out` (at most
/// `capacity` bytes) and returns its length, or 0 when the image has none.
size_t distill_build_id(const void *address, uint8_t *out, size_t capacity);

/// The file name of the loaded image that contains `address` (dladdr), or NULL.
const char *distill_image_path(const void *address);

/// Names the calling thread (at most 15 bytes are kept).
void distill_set_thread_name(const char *name);

/// The number of processors this process may run on (its affinity mask).
int32_t distill_online_processors(void);

/// The calling thread's kernel thread id.
int32_t distill_thread_id(void);

// MARK: - Processes and Unix sockets (the node, its control socket, heart)

/// The uid and pid of the process at the other end of a connected Unix socket (SO_PEERCRED):
/// the credentials it had when it connected. Returns 0, or -1 with errno set.
int distill_peer_credentials(int fd, uint32_t *uid, int32_t *pid);

/// Binds the AF_UNIX socket `fd` to `path`. Returns 0, or -1 with errno set (ENAMETOOLONG when
/// `path` does not fit in `sun_path`).
int distill_unix_bind(int fd, const char *path);

/// Connects the AF_UNIX socket `fd` to `path`. Returns 0, or -1 with errno set.
int distill_unix_connect(int fd, const char *path);

/// Accepts a connection on `fd` with close-on-exec set (accept4), retrying after EINTR.
int distill_accept(int fd);

/// Opens `path` as an O_PATH directory descriptor (close-on-exec), or returns -1.
int distill_open_directory_path(const char *path);

/// A pipe whose ends are close-on-exec (pipe2). Returns 0, or -1 with errno set.
int distill_pipe(int fds[2]);

/// Closes every descriptor from `first` up (close_range, or one by one where it is missing).
void distill_close_from(int first);

/// `WIFEXITED`/`WEXITSTATUS` and `WIFSIGNALED`/`WTERMSIG` of a `waitpid` status.
int distill_wait_exited(int status);
int distill_wait_exit_status(int status);
int distill_wait_signaled(int status);
int distill_wait_term_signal(int status);

#endif
