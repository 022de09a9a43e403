// Thin wrappers for Linux system calls that Glibc 2.36 does not wrap, so Swift cannot call
// them by name, and the kernel headers whose constants Swift needs (CLONE_*, RESOLVE_*,
// LOOP_*, struct open_how / clone_args / loop_config). No logic lives here: each function is
// the bare syscall(2) with typed arguments; errors come back as -1 with errno set, exactly
// like the Glibc wrappers.
#ifndef CCORRALSYS_H
#define CCORRALSYS_H

// No _GNU_SOURCE here: Swift's Glibc module is built without it, and a header that changes
// glibc's feature macros would declare its types a second, different way. The GNU-only calls
// Corral needs are wrapped below as raw syscalls instead.
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <asm/ioctls.h>
#include <linux/sched.h>
#include <linux/openat2.h>
#include <linux/loop.h>

/// pivot_root(2): Glibc has no wrapper ("the caller must use syscall(2)").
static inline int corral_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/// clone3(2): Glibc has no wrapper; needed for CLONE_PIDFD together with namespace flags and,
/// later, CLONE_INTO_CGROUP, which clone(2) cannot express. Returns like fork(): 0 in the
/// child, which continues on the same stack.
static inline long corral_clone3(struct clone_args *arguments) {
    return syscall(SYS_clone3, arguments, sizeof(struct clone_args));
}

/// openat2(2): Glibc 2.36 has no wrapper; RESOLVE_IN_ROOT resolves a container path inside
/// the container's root even through absolute symlinks.
static inline int corral_openat2(int directory, const char *path, struct open_how *how) {
    return (int)syscall(SYS_openat2, directory, path, how, sizeof(struct open_how));
}

/// pipe2(2) with flags: GNU-only in Glibc's headers.
static inline int corral_pipe2(int descriptors[2], int flags) {
    return (int)syscall(SYS_pipe2, descriptors, flags);
}

/// close_range(2): GNU-only in Glibc's headers. Used with CLOSE_RANGE_CLOEXEC (1 << 2).
static inline int corral_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

/// setresuid(2) / setresgid(2) for the calling thread only: GNU-only in Glibc's headers, and
/// the child that calls them is single-threaded, so Glibc's all-threads broadcast is moot.
static inline int corral_setresuid(unsigned int real, unsigned int effective, unsigned int saved) {
    return (int)syscall(SYS_setresuid, real, effective, saved);
}

static inline int corral_setresgid(unsigned int real, unsigned int effective, unsigned int saved) {
    return (int)syscall(SYS_setresgid, real, effective, saved);
}

/// The *at() flags of <fcntl.h> that Glibc declares only with _GNU_SOURCE (values from
/// <linux/fcntl.h>, which cannot be included beside Glibc's <fcntl.h>).
static const int CORRAL_AT_EMPTY_PATH = 0x1000;
static const int CORRAL_AT_RECURSIVE = 0x8000;
static const int CORRAL_O_PATH = 010000000;
static const unsigned int CORRAL_CLOSE_RANGE_CLOEXEC = 1U << 2;

/// posix_spawn's POSIX_SPAWN_SETSID (Glibc declares it only with _GNU_SOURCE): the monitor
/// gets a session of its own, so nothing aimed at corrald's session reaches it.
static const short CORRAL_POSIX_SPAWN_SETSID = 0x80;

/// Terminal ioctls built with _IOR/_IOW, function-like macros Swift cannot import.
static const unsigned long CORRAL_TIOCGPTN = TIOCGPTN;
static const unsigned long CORRAL_TIOCSPTLCK = TIOCSPTLCK;

/// prctl(PR_SET_PDEATHSIG): Glibc's prctl is variadic, which Swift cannot call.
static inline int corral_set_parent_death_signal(int signal) {
    return (int)syscall(SYS_prctl, 1 /* PR_SET_PDEATHSIG */, (unsigned long)signal, 0UL, 0UL, 0UL);
}

/// pidfd_open(2): Glibc 2.36 declares it only with newer headers; the syscall is older (5.3).
static inline int corral_pidfd_open(int pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

/// pidfd_send_signal(2): Glibc 2.36 declares it only with newer headers; the syscall is older.
static inline int corral_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}

#endif
