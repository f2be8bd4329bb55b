//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#define _GNU_SOURCE
#include "CDistillRuntime.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int distill_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns) {
    struct timespec timeout;
    struct timespec *limit = NULL;
    if (timeout_ns >= 0) {
        timeout.tv_sec = (time_t)(timeout_ns / 1000000000);
        timeout.tv_nsec = (long)(timeout_ns % 1000000000);
        limit = &timeout;
    }
    long result = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, limit, NULL, 0);
    return result == 0 ? 0 : errno;
}

void distill_futex_wake(uint32_t *word, int32_t count) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

void distill_lock_slow(uint32_t *word) {
    // 200 spins (a few microseconds) measured best for a mailbox shared by a sender and a
    // receiver on two cores; 0 or 20 halve cast throughput, 2000 gains nothing.
    for (int spin = 0; spin < 200; spin++) {
        uint32_t expected = 0;
        if (__atomic_load_n(word, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            return;
        }
        distill_cpu_relax();
    }
    uint32_t state = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
    while (state != 0) {
        distill_futex_wait(word, 2, -1);
        state = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
    }
}

static __thread void *current_worker;

void *distill_current_worker(void) { return current_worker; }
void distill_set_current_worker(void *worker) { current_worker = worker; }

void distill_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

int32_t distill_online_processors(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int32_t)online : 1;
}

int32_t distill_thread_id(void) { return (int32_t)syscall(SYS_gettid); }

struct build_id_search {
    uintptr_t address;
    uint8_t *out;
    size_t capacity;
    size_t length;
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct build_id_search *search = data;
    int contains = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && search->address >= start && search->address < start + ph->p_memsz) contains = 1;
    }
    if (!contains) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const uint8_t *note = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        const uint8_t *end = note + ph->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *header = (const ElfW(Nhdr) *)note;
            const uint8_t *name = note + sizeof(ElfW(Nhdr));
            const uint8_t *desc = name + ((header->n_namesz + 3) & ~3u);
            if (header->n_type == NT_GNU_BUILD_ID && header->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                size_t length = header->n_descsz < search->capacity ? header->n_descsz : search->capacity;
                memcpy(search->out, desc, length);
                search->length = length;
                return 1;
            }
            note = desc + ((header->n_descsz + 3) & ~3u);
        }
    }
    return 1;
}

size_t distill_build_id(const void *address, uint8_t *out, size_t capacity) {
    struct build_id_search search = {(uintptr_t)address, out, capacity, 0};
    dl_iterate_phdr(find_build_id, &search);
    return search.length;
}

const char *distill_image_path(const void *address) {
    Dl_info info;
    if (dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}

int distill_peer_credentials(int fd, uint32_t *uid, int32_t *pid) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    *pid = credentials.pid;
    return 0;
}

static int distill_unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(address->sun_path, path, length + 1);
    return 0;
}

int distill_unix_bind(int fd, const char *path) {
    struct sockaddr_un address;
    if (distill_unix_address(path, &address) != 0) return -1;
    return bind(fd, (struct sockaddr *)&address, sizeof(address));
}

int distill_unix_connect(int fd, const char *path) {
    struct sockaddr_un address;
    if (distill_unix_address(path, &address) != 0) return -1;
    int result;
    do {
        result = connect(fd, (struct sockaddr *)&address, sizeof(address));
    } while (result != 0 && errno == EINTR);
    return result;
}

int distill_accept(int fd) {
    int result;
    do {
        result = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    } while (result < 0 && errno == EINTR);
    return result;
}

int distill_open_directory_path(const char *path) {
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int distill_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

void distill_close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
#endif
    long limit = sysconf(_SC_OPEN_MAX);
    if (limit < 0 || limit > 65536) limit = 65536;
    for (long fd = first; fd < limit; fd++) close((int)fd);
}

int distill_wait_exited(int status) { return WIFEXITED(status); }
int distill_wait_exit_status(int status) { return WEXITSTATUS(status); }
int distill_wait_signaled(int status) { return WIFSIGNALED(status); }
int distill_wait_term_signal(int status) { return WTERMSIG(status); }
