// The header's wrappers are static inline. What lives here needs a body and a symbol of its
// own: corral_spawn, and the clone3 trampoline its child starts on.
#include "CCorralSys.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/wait.h>

/// clone3(`arguments`, `size`), the child running `child(argument)` on the stack `arguments`
/// names and then exit(2) with its result: on a stack of its own the child has no frame to
/// return into, so this has to be assembly, as glibc's __clone3 is. Returns the pid in the
/// caller, or -errno: the raw system call result.
long corral_clone3_run(struct clone_args *arguments, size_t size, int (*child)(void *), void *argument);

_Static_assert(SYS_clone3 == 435, "the trampoline below hard-codes clone3's number");
#if defined(__x86_64__)
_Static_assert(SYS_exit == 60, "the trampoline below hard-codes exit's number");
// syscall preserves every register but rax, rcx and r11, and the child starts with the
// caller's: the function is still in rdx, the argument (moved out of rcx) in r8.
__asm__(".text\n"
        ".globl corral_clone3_run\n"
        ".hidden corral_clone3_run\n"
        ".type corral_clone3_run, @function\n"
        "corral_clone3_run:\n"
        "    mov %rcx, %r8\n"
        "    mov $435, %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n"          // the outermost frame
        "    and $-16, %rsp\n"
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"
        "    syscall\n"
        "    hlt\n"
        ".size corral_clone3_run, .-corral_clone3_run\n");
#elif defined(__aarch64__)
_Static_assert(SYS_exit == 93, "the trampoline below hard-codes exit's number");
// svc preserves every register but x0; the function and its argument wait in x10 and x11.
__asm__(".text\n"
        ".globl corral_clone3_run\n"
        ".hidden corral_clone3_run\n"
        ".type corral_clone3_run, %function\n"
        "corral_clone3_run:\n"
        "    mov x10, x2\n"
        "    mov x11, x3\n"
        "    mov x8, #435\n"
        "    svc #0\n"
        "    cbz x0, 1f\n"
        "    ret\n"
        "1:  mov x29, #0\n"
        "    mov x30, #0\n"
        "    mov x0, x11\n"
        "    blr x10\n"
        "    mov x8, #93\n"
        "    svc #0\n"
        "    brk #0\n"
        ".size corral_clone3_run, .-corral_clone3_run\n");
#else
#error "corral_clone3_run: no clone3 trampoline for this architecture"
#endif

/// What the spawned child needs, and where it leaves its errno and the failed call for the
/// caller (the same memory).
struct corral_spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int input_fd, output_fd, error_fd;
    const char *error_path;
    volatile int error;
    /// The step that failed, and the path it failed on (NULL: the program's).
    const char *volatile failed_call;
    const char *volatile failed_path;
};

/// Standard streams of the child's own: /dev/null in and out, `error_path` appended to. The
/// caller's table it shares (CLONE_FILES) is left first, for an empty one (close_range over
/// every descriptor with CLOSE_RANGE_UNSHARE copies none): nothing here touches the caller's.
static int corral_spawn_open_streams(struct corral_spawn_request *request) {
    if (syscall(SYS_close_range, 0U, ~0U, CORRAL_CLOSE_RANGE_UNSHARE) != 0) {
        request->failed_call = "close_range";
        return -1;
    }
    request->failed_call = "open";
    request->failed_path = "/dev/null";
    // The table is empty: each open takes the lowest descriptor free, 0, then 1, then 2.
    if (open("/dev/null", O_RDONLY) != 0 || open("/dev/null", O_WRONLY) != 1) return -1;
    request->failed_path = request->error_path;
    // As corrald opened it first (FileIO.openLog): no symbolic link followed, no FIFO waited on,
    // a regular file only — whatever replaced it since.
    if (open(request->error_path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY) != 2) {
        // ENXIO: a FIFO with no reader (or a socket), which a blocking open would wait on.
        if (errno == ENXIO) request->failed_call = "open (not a regular file)";
        return -1;
    }
    struct stat status;
    if (fstat(2, &status) != 0) return -1;
    if (!S_ISREG(status.st_mode)) {
        request->failed_call = "open (not a regular file)";
        errno = EINVAL;
        return -1;
    }
    // A regular file: writes never wait anyway; the monitor's stderr reads as a plain one.
    // F_SETFL with valid flags on an open descriptor cannot fail.
    (void)fcntl(2, F_SETFL, O_APPEND);
    request->failed_path = NULL;
    return 0;
}

/// The child, in the caller's memory until execve: system calls only, nothing that allocates or
/// locks. Its errno is the caller's (the same thread-local word), which the caller does not read.
static int corral_spawn_child(void *opaque) {
    struct corral_spawn_request *request = opaque;
    int streams;
    if (request->error_path) {
        streams = corral_spawn_open_streams(request);
    } else {
        request->failed_call = "dup2";
        streams = dup2(request->input_fd, 0) == 0 && dup2(request->output_fd, 1) == 1 && dup2(request->error_fd, 2) == 2 ? 0 : -1;
    }
    if (streams == 0) {
        request->failed_call = "setsid";
        if (setsid() >= 0) {
            // Ignored signals stay ignored across execve (handled ones are reset by it anyway) —
            // glibc's own real-time signals too, which corral_reset_signal's raw call reaches. It
            // fails only for SIGKILL and SIGSTOP, which are never ignored.
            for (int signal_number = 1; signal_number < 65; signal_number++) (void)corral_reset_signal(signal_number);
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
            request->failed_call = "execve";
            execve(request->path, request->argv, request->envp);
        }
    }
    request->error = errno ? errno : EINVAL;
    return 127;
}

long corral_spawn(const char *path, char *const argv[], char *const envp[],
                  int input_fd, int output_fd, int error_fd, const char *error_path, int cgroup_fd,
                  int *exec_error, const char **failed_call, const char **failed_path) {
    *exec_error = 0;
    *failed_call = "clone3";
    *failed_path = NULL;
    struct corral_spawn_request request = {path, argv, envp, input_fd, output_fd, error_fd, error_path, 0, "execve", NULL};
    // The child's stack, with a guard page below it: an overrun faults in the child rather than
    // writing into the caller's memory.
    const size_t guard = (size_t)getpagesize(), size = 64 * 1024;
    char *stack = mmap(NULL, guard + size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -errno;
    if (mprotect(stack + guard, size, PROT_READ | PROT_WRITE) != 0) {
        int error = errno;
        (void)munmap(stack, guard + size);  // fails only for a bad range, which this is not
        return -error;
    }
    struct clone_args arguments;
    memset(&arguments, 0, sizeof(arguments));
    arguments.flags = CLONE_VM | CLONE_VFORK | (error_path ? CLONE_FILES : 0);
    arguments.exit_signal = SIGCHLD;
    arguments.stack = (uint64_t)(uintptr_t)(stack + guard);
    arguments.stack_size = size;
    if (cgroup_fd >= 0) {
        arguments.flags |= CLONE_INTO_CGROUP;
        arguments.cgroup = (uint64_t)cgroup_fd;
    }
    // No handler of the caller's may run in the child, on the caller's memory: every signal is
    // blocked until the child has reset them — glibc's internal 32 and 33 too, which its
    // sigfillset leaves out: a mask of all ones, through the raw call. With valid pointers and
    // size, rt_sigprocmask cannot fail.
    uint64_t all = ~(uint64_t)0;
    sigset_t saved;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &saved, (size_t)8);
    long pid = corral_clone3_run(&arguments, sizeof(arguments), corral_spawn_child, &request);
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, NULL, (size_t)8);
    // CLONE_VFORK: the child has exec'd or exited by now, and no longer uses its stack.
    (void)munmap(stack, guard + size);
    if (pid < 0) return pid;
    if (request.error != 0) {
        // It failed before its exec and has exited: reaped here, never seen by the caller.
        while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR) {}
        *exec_error = request.error;
        *failed_call = request.failed_call;
        *failed_path = request.failed_path;
        return -1;
    }
    return pid;
}
