// Thin wrappers for Linux system calls that Glibc 2.36 does not wrap, so Swift cannot call
// them by name, and the kernel headers whose constants Swift needs (CLONE_*, RESOLVE_*,
// LOOP_*, struct open_how / clone_args / loop_config). Each function here is the bare
// syscall(2) with typed arguments; errors come back as -1 with errno set, exactly like the
// Glibc wrappers. The one exception, corral_spawn, is declared here and lives in CCorralSys.c.
#ifndef CCORRALSYS_H
#define CCORRALSYS_H

// No _GNU_SOURCE here: Swift's Glibc module is built without it, and a header that changes
// glibc's feature macros would declare its types a second, different way. The GNU-only calls
// Corral needs are wrapped below as raw syscalls instead.
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>
#include <sys/signalfd.h>
#include <sys/epoll.h>
#include <asm/ioctls.h>
#include <linux/sched.h>
#include <linux/openat2.h>
#include <linux/loop.h>
#include <linux/bpf.h>
#include <sys/socket.h>
#include <string.h>
#include <signal.h>

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
static const unsigned int CORRAL_CLOSE_RANGE_UNSHARE = 1U << 1;

/// Corral's posix_spawn (its monitors, and the host tools it runs), with one step more: the
/// child is cloned straight into the cgroup2 `cgroup_fd` when it is not -1 (CLONE_INTO_CGROUP),
/// so it need not be moved there afterwards (a move waits for an RCU grace period under a
/// global lock; glibc 2.36's posix_spawn cannot clone into a cgroup). The child takes
/// `input_fd`, `output_fd` and `error_fd` as its standard streams, a session of its own, every
/// signal at its default and unblocked, and execs `path`.
///
/// Like glibc's posix_spawn, the child shares the caller's memory until its exec (CLONE_VM |
/// CLONE_VFORK, on a stack of its own): a fork would copy the caller's page tables only for
/// the exec to throw them away — for corrald with a thousand containers, over a millisecond
/// per spawn, growing with its size. The caller waits meanwhile, with every signal blocked.
///
/// With `error_path` set, the child takes none of the caller's descriptors: it leaves the
/// caller's table (shared with it by CLONE_FILES) for an empty one of its own — which copies
/// nothing — and opens /dev/null as its input and output and `error_path` (to append) as its
/// error stream; `input_fd`, `output_fd` and `error_fd` are then unused. A copy of the caller's
/// table, as a plain clone makes, costs a reference per open descriptor and its exec a close
/// of each: corrald holds a pidfd per monitor, so each spawn would cost in proportion to the
/// containers already running.
///
/// Returns the pid; or -errno of clone3 (`*exec_error` 0); or -1 with `*exec_error` set to
/// the errno of the step named `*failed_call` (execve, or one before it) that failed in the
/// child on `*failed_path` (NULL: on `path`), which has then been reaped.
long corral_spawn(const char *path, char *const argv[], char *const envp[],
                  int input_fd, int output_fd, int error_fd, const char *error_path, int cgroup_fd,
                  int *exec_error, const char **failed_call, const char **failed_path);

/// Terminal ioctls built with _IOR/_IOW, function-like macros Swift cannot import.
static const unsigned long CORRAL_TIOCGPTN = TIOCGPTN;
static const unsigned long CORRAL_TIOCGPTPEER = TIOCGPTPEER;
static const unsigned long CORRAL_TIOCSPTLCK = TIOCSPTLCK;

/// prctl(PR_SET_DUMPABLE, 0): no ptrace, no /proc/PID/environ or fd for anyone but the host's
/// root — for a helper that enters a container's namespaces with the host root's credentials.
static inline int corral_set_not_dumpable(void) {
    return (int)syscall(SYS_prctl, 4 /* PR_SET_DUMPABLE */, 0UL, 0UL, 0UL, 0UL);
}

/// prctl(PR_SET_PDEATHSIG): Glibc's prctl is variadic, which Swift cannot call.
static inline int corral_set_parent_death_signal(int signal) {
    return (int)syscall(SYS_prctl, 1 /* PR_SET_PDEATHSIG */, (unsigned long)signal, 0UL, 0UL, 0UL);
}

/// capset(2), _LINUX_CAPABILITY_VERSION_3, for the calling thread: Glibc has no wrapper, and
/// libcap's cap_t is not for the child between clone and exec (plain arrays are).
static inline int corral_capset(const uint32_t effective[2], const uint32_t permitted[2], const uint32_t inheritable[2]) {
    struct { uint32_t version; int pid; } header = { 0x20080522, 0 };
    struct { uint32_t effective, permitted, inheritable; } data[2] = {
        { effective[0], permitted[0], inheritable[0] }, { effective[1], permitted[1], inheritable[1] } };
    return (int)syscall(SYS_capset, &header, data);
}

/// prctl(PR_CAPBSET_DROP), prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL) and
/// prctl(PR_SET_NO_NEW_PRIVS): Glibc's prctl is variadic, which Swift cannot call.
static inline int corral_drop_bounding_capability(int capability) {
    return (int)syscall(SYS_prctl, 24 /* PR_CAPBSET_DROP */, (unsigned long)capability, 0UL, 0UL, 0UL);
}

static inline int corral_clear_ambient_capabilities(void) {
    return (int)syscall(SYS_prctl, 47 /* PR_CAP_AMBIENT */, 4UL /* PR_CAP_AMBIENT_CLEAR_ALL */, 0UL, 0UL, 0UL);
}

static inline int corral_set_no_new_privileges(void) {
    return (int)syscall(SYS_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1UL, 0UL, 0UL, 0UL);
}

/// struct sock_fprog's layout, so Swift can hand the kernel a BPF program.
struct corral_bpf_program {
    unsigned short length;
    const void *instructions;
};

/// seccomp(SECCOMP_SET_MODE_FILTER): Glibc has no wrapper. The program was generated by
/// libseccomp in the parent (crun's practice); the child only installs it.
static inline int corral_seccomp_set_filter(const struct corral_bpf_program *program) {
    return (int)syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0U, program);
}

/// rt_sigaction(2) as the kernel sees it: Glibc's sigaction refuses signals 32 and 33, which
/// it reserves for its threads, yet an ignored 32 or 33 inherited from a caller survives exec
/// like any other. struct kernel_sigaction on x86_64: handler, flags, restorer, mask.
struct corral_kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

/// Sets `signal` to SIG_DFL.
static inline int corral_reset_signal(int signal) {
    struct corral_kernel_sigaction action = { 0, 0, 0, 0 };
    return (int)syscall(SYS_rt_sigaction, signal, &action, NULL, sizeof(unsigned long));
}

/// 1 when `signal` is at SIG_DFL, 0 when ignored or handled, -1 on error.
static inline int corral_signal_is_default(int signal) {
    struct corral_kernel_sigaction action = { 0, 0, 0, 0 };
    if (syscall(SYS_rt_sigaction, signal, NULL, &action, sizeof(unsigned long)) != 0) return -1;
    return action.handler == 0;
}

/// unshare(2): Glibc declares it only with _GNU_SOURCE.
static inline int corral_unshare(unsigned long flags) {
    return (int)syscall(SYS_unshare, flags);
}

/// keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL): a new, anonymous session keyring for the
/// caller. Glibc has no keyctl wrapper (libkeyutils has).
static inline long corral_join_new_session_keyring(void) {
    return syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
}

/// setns(2): Glibc declares it only with _GNU_SOURCE.
static inline int corral_setns(int descriptor, int type) {
    return (int)syscall(SYS_setns, descriptor, type);
}

/// The buffers of a one-byte message carrying one descriptor (SCM_RIGHTS), on the stack: the
/// control-message macros are not importable, and the children that pass descriptors may not
/// allocate.
struct corral_descriptor_message {
    char byte;
    struct iovec data;
    struct msghdr header;
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
};

static inline void corral_descriptor_message_init(struct corral_descriptor_message *message) {
    memset(message, 0, sizeof(*message));
    message->data.iov_base = &message->byte;
    message->data.iov_len = 1;
    message->header.msg_iov = &message->data;
    message->header.msg_iovlen = 1;
    message->header.msg_control = message->control.buffer;
    message->header.msg_controllen = sizeof(message->control.buffer);
}

/// sendmsg(2) of `descriptor`.
static inline int corral_send_descriptor(int socket, int descriptor) {
    struct corral_descriptor_message message;
    corral_descriptor_message_init(&message);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message.header);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &descriptor, sizeof(int));
    return sendmsg(socket, &message.header, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/// recvmsg(2) of one descriptor sent by corral_send_descriptor, close-on-exec. Returns it, or
/// -1 with errno set (EPIPE at end of file: the sender is gone).
static inline int corral_receive_descriptor(int socket) {
    struct corral_descriptor_message message;
    corral_descriptor_message_init(&message);
    ssize_t count;
    do { count = recvmsg(socket, &message.header, 0x40000000 /* MSG_CMSG_CLOEXEC, GNU-only */); } while (count < 0 && errno == EINTR);
    if (count < 0) return -1;
    struct cmsghdr *header = CMSG_FIRSTHDR(&message.header);
    if (count == 0 || header == NULL || header->cmsg_type != SCM_RIGHTS) { errno = EPIPE; return -1; }
    int descriptor;
    memcpy(&descriptor, CMSG_DATA(header), sizeof(int));
    return descriptor;
}

/// pidfd_open(2): Glibc 2.36 declares it only with newer headers; the syscall is older (5.3).
static inline int corral_pidfd_open(int pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

/// pidfd_send_signal(2): Glibc 2.36 declares it only with newer headers; the syscall is older.
static inline int corral_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}

/// bpf(BPF_PROG_LOAD) of a cgroup device program (its instructions assembled by
/// DeviceProgram): Glibc has no wrapper. Returns the program's descriptor; `log` receives the
/// verifier's complaint when the kernel refuses it.
static inline int corral_bpf_load_device_program(const uint64_t *instructions, unsigned int count,
                                                 char *log, unsigned int log_size) {
    union bpf_attr attributes = { 0 };
    attributes.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attributes.insn_cnt = count;
    attributes.insns = (uint64_t)(uintptr_t)instructions;
    attributes.license = (uint64_t)(uintptr_t)"GPL";
    attributes.log_level = log_size > 0 ? 1 : 0;
    attributes.log_buf = (uint64_t)(uintptr_t)log;
    attributes.log_size = log_size;
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attributes, sizeof(attributes));
}

/// bpf(BPF_PROG_ATTACH) of a device program to a cgroup2 directory, with BPF_F_ALLOW_MULTI:
/// programs a container attaches below (systemd's DevicePolicy=) can only narrow the list.
static inline int corral_bpf_attach_device_program(int cgroup, int program) {
    union bpf_attr attributes = { 0 };
    attributes.target_fd = (uint32_t)cgroup;
    attributes.attach_bpf_fd = (uint32_t)program;
    attributes.attach_type = BPF_CGROUP_DEVICE;
    attributes.attach_flags = BPF_F_ALLOW_MULTI;
    return (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attributes, sizeof(attributes));
}

#endif
