// Thin wrappers for Linux system calls that Glibc 2.36 does not wrap, so Swift cannot call
// them by name. No logic lives here: each function is the bare syscall(2) with typed
// arguments; errors come back as -1 with errno set, exactly like the Glibc wrappers.
#ifndef CCORRALSYS_H
#define CCORRALSYS_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

/// pivot_root(2): Glibc has no wrapper ("the caller must use syscall(2)").
static inline int corral_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/// clone3(2): Glibc has no wrapper; needed for CLONE_INTO_CGROUP and CLONE_PIDFD
/// together, which the older clone(2) interface cannot express.
static inline long corral_clone3(struct clone_args *arguments) {
    return syscall(SYS_clone3, arguments, sizeof(struct clone_args));
}

/// pidfd_open(2): Glibc 2.36 declares it only with newer headers; the syscall is older.
static inline int corral_pidfd_open(int pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

#endif
