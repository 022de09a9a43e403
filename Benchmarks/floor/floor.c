/*
 * The floor of a container start: exactly the kernel work `corralctl run` does for a container,
 * with nothing else around it — no parsing, no planning, no records, no runtime.
 *
 *   floor PLAN STAGING SECCOMP.bpf PROGRAM [ARG…]
 *
 * PLAN is what Benchmarks/corral-floor-plan prints for the same definition (its mounts and
 * capabilities come from Corral's own MountPlan and CapabilityPlan); STAGING is an existing
 * empty directory the root is mounted on; SECCOMP.bpf is the filter Corral compiled and cached
 * in its state directory ("-" for none). scripts/bench-start.sh times it beside corralctl run.
 *
 * The processes and their order are Corral's (docs/ARCHITECTURE.md §3): init is cloned into new
 * user, PID, UTS, IPC and network namespaces and waits for its maps; the parent joins its
 * namespaces but the user one (setns of init's pidfd), clones the mounter into a new mount
 * namespace of the host's user namespace and returns to its own namespaces; the mounter builds
 * the tree with the new mount API, pivots, enters init's
 * user namespace, unshares a (locked) mount namespace and hands it to init over a socket; init
 * joins it, brings up lo, unshares its cgroup namespace, mounts its cgroup2 view, sets its
 * hostname, drops capabilities, joins a session keyring, sets no_new_privs and the filter, and
 * execs. The parent waits for the exec and for init's exit.
 *
 * Every failure ends the run with the call, what it was for and errno's text (exit 125). The
 * results of close() alone are not checked: each descriptor closed here is an O_PATH handle, a
 * namespace, a pipe end or a read-only file, and a failed close loses nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct floor_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

enum kind { BIND_HOST, BIND_CONTAINER, FILESYSTEM, SYMLINK, NODE };

struct step {
    enum kind kind;
    unsigned attributes;
    int optional, after_cgroup, unlocked, file;
    char *target, *source;
    char *keys[8], *values[8];
    int option_count;
    int detached;
    unsigned mode;
    dev_t device;
};

static struct step steps[128];
static int step_count;
static char *root_source, *hostname, *staging;
static uint64_t kept_capabilities;
static unsigned map_count = 65536;
static struct sock_fprog filter;

static void die(const char *call, const char *what) {
    dprintf(2, "floor: %s %s: %s\n", call, what ? what : "", strerror(errno));
    _exit(125);
}

static long clone3(struct floor_clone_args *arguments) {
    return syscall(SYS_clone3, arguments, sizeof *arguments);
}

static void read_plan(const char *path) {
    FILE *file = fopen(path, "re");
    if (!file) die("fopen", path);
    char line[4096];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\n")] = 0;
        char *save = NULL, *word = strtok_r(line, " ", &save);
        if (!word) continue;
        if (!strcmp(word, "root")) { root_source = strdup(strtok_r(NULL, " ", &save)); continue; }
        if (!strcmp(word, "hostname")) { hostname = strdup(strtok_r(NULL, " ", &save)); continue; }
        if (!strcmp(word, "map")) { map_count = (unsigned)strtoul(strtok_r(NULL, " ", &save), NULL, 10); continue; }
        if (!strcmp(word, "keep-capability")) {
            cap_value_t value;
            if (cap_from_name(strtok_r(NULL, " ", &save), &value) == 0 && value < 64) kept_capabilities |= 1ULL << value;
            continue;
        }
        if (step_count == 128) { errno = E2BIG; die("read", path); }
        struct step *step = &steps[step_count++];
        step->detached = -1;
        if (!strcmp(word, "bind-host")) step->kind = BIND_HOST;
        else if (!strcmp(word, "bind-container")) step->kind = BIND_CONTAINER;
        else if (!strcmp(word, "fs")) step->kind = FILESYSTEM;
        else if (!strcmp(word, "symlink")) step->kind = SYMLINK;
        else if (!strcmp(word, "node")) step->kind = NODE;
        else { errno = EINVAL; die("parse", word); }
        if (step->kind == NODE) {
            step->mode = (unsigned)strtoul(strtok_r(NULL, " ", &save), NULL, 8);
            step->device = (dev_t)strtoull(strtok_r(NULL, " ", &save), NULL, 10);
            step->target = strdup(strtok_r(NULL, " ", &save));
            step->source = strdup(strtok_r(NULL, " ", &save));
            continue;
        }
        step->attributes = (unsigned)strtoul(strtok_r(NULL, " ", &save), NULL, 16);
        const char *letters = strtok_r(NULL, " ", &save);
        step->optional = strchr(letters, 'o') != NULL;
        step->after_cgroup = strchr(letters, 'c') != NULL;
        step->unlocked = strchr(letters, 'u') != NULL;
        step->file = strchr(letters, 'f') != NULL;
        step->target = strdup(strtok_r(NULL, " ", &save));
        step->source = strdup(strtok_r(NULL, " ", &save));
        for (char *option; (option = strtok_r(NULL, " ", &save)) && step->option_count < 8; step->option_count++) {
            char *equals = strchr(option, '=');
            if (equals) *equals = 0;
            step->keys[step->option_count] = strdup(option);
            step->values[step->option_count] = equals ? strdup(equals + 1) : NULL;
        }
    }
    fclose(file); /* read-only: nothing to flush */
}

static void read_filter(const char *path) {
    if (!strcmp(path, "-")) return;
    int descriptor = open(path, O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) die("open", path);
    static struct sock_filter program[4096];
    ssize_t count = read(descriptor, program, sizeof program);
    if (count <= 0 || count % sizeof program[0]) die("read", path);
    close(descriptor);
    filter.len = (unsigned short)(count / sizeof program[0]);
    filter.filter = program;
}

/* ---- the mounter ---- */

static int open_in_root(int root, const char *path, uint64_t flags) {
    struct open_how how = { .flags = O_PATH | O_CLOEXEC | flags, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

/* The directory holding `path` inside the root, created as needed; `name` gets the last part. */
static int open_parent(int root, char *path, const char **name) {
    int parent = open_in_root(root, ".", O_DIRECTORY);
    if (parent < 0) die("openat2", ".");
    for (char *start = path, *slash; (slash = strchr(start, '/')); start = slash + 1) {
        *slash = 0;
        int next = open_in_root(root, path, O_DIRECTORY);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(parent, start, 0755) != 0 && errno != EEXIST) die("mkdirat", path);
            next = open_in_root(root, path, O_DIRECTORY);
        }
        if (next < 0) die("openat2", path);
        *slash = '/';
        close(parent);
        parent = next;
        *name = slash + 1;
    }
    if (!strchr(path, '/')) *name = path;
    return parent;
}

static int open_target(int root, struct step *step) {
    int target = open_in_root(root, step->target, 0);
    if (target >= 0 || errno != ENOENT || step->optional) return target;
    const char *name;
    int parent = open_parent(root, step->target, &name);
    if (step->file) {
        int file = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (file >= 0) close(file); else if (errno != EEXIST) die("openat", step->target);
    } else if (mkdirat(parent, name, 0755) != 0 && errno != EEXIST) {
        die("mkdirat", step->target);
    }
    close(parent);
    target = open_in_root(root, step->target, 0);
    if (target < 0) die("openat2", step->target);
    return target;
}

static int detached_mount(int root, struct step *step) {
    if (step->kind == FILESYSTEM) {
        int context = fsopen(step->source, FSOPEN_CLOEXEC);
        if (context < 0) die("fsopen", step->source);
        for (int index = 0; index < step->option_count; index++) {
            int result = step->values[index]
                ? fsconfig(context, FSCONFIG_SET_STRING, step->keys[index], step->values[index], 0)
                : fsconfig(context, FSCONFIG_SET_FLAG, step->keys[index], NULL, 0);
            if (result != 0) die("fsconfig", step->keys[index]);
        }
        if (fsconfig(context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) die("fsconfig create", step->source);
        int mounted = fsmount(context, FSMOUNT_CLOEXEC, step->attributes);
        if (mounted < 0) die("fsmount", step->source);
        close(context);
        return mounted;
    }
    int tree;
    if (step->kind == BIND_HOST) {
        tree = open_tree(AT_FDCWD, step->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    } else {
        int source = open_in_root(root, step->source, 0);
        if (source < 0) die("openat2", step->source);
        tree = open_tree(source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        close(source);
    }
    if (tree < 0) die("open_tree", step->source);
    if (step->attributes) {
        struct mount_attr attributes = { .attr_set = step->attributes };
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes, sizeof attributes) != 0)
            die("mount_setattr", step->target);
    }
    return tree;
}

static void perform(int root, struct step *step) {
    if (step->kind == NODE) {
        const char *name;
        int parent = open_parent(root, step->target, &name);
        if (mknodat(parent, name, S_IFCHR | step->mode, step->device) != 0 && errno != EEXIST) die("mknodat", step->target);
        if (fchmodat(parent, name, step->mode, 0) != 0) die("fchmodat", step->target);
        close(parent);
        return;
    }
    if (step->kind == SYMLINK) {
        const char *name;
        int parent = open_parent(root, step->target, &name);
        if (symlinkat(step->source, parent, name) != 0 && errno != EEXIST) die("symlinkat", step->target);
        close(parent);
        return;
    }
    int target = open_target(root, step);
    if (target < 0) {
        if (errno == ENOENT && step->optional) { if (step->detached >= 0) close(step->detached); return; }
        die("openat2", step->target);
    }
    int detached = step->detached >= 0 ? step->detached : detached_mount(root, step);
    if (move_mount(detached, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        die("move_mount", step->target);
    close(target);
    close(detached);
}

static int send_descriptor(int channel, int descriptor) {
    char byte = 0, control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec vector = { &byte, 1 };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &descriptor, sizeof descriptor);
    return sendmsg(channel, &message, 0) == 1 ? 0 : -1;
}

static int receive_descriptor(int channel) {
    char byte, control[CMSG_SPACE(sizeof(int))];
    struct iovec vector = { &byte, 1 };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    if (recvmsg(channel, &message, MSG_CMSG_CLOEXEC) != 1) return -1;
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (!header || header->cmsg_type != SCM_RIGHTS) return -1;
    int descriptor;
    memcpy(&descriptor, CMSG_DATA(header), sizeof descriptor);
    return descriptor;
}

static void run_mounter(int init_pidfd, int channel) {
    if (setgroups(0, NULL) != 0) die("setgroups", NULL);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("mount", "/ (private)");
    struct step root_step = { .kind = BIND_HOST, .source = root_source, .detached = -1 };
    int detached = detached_mount(AT_FDCWD, &root_step);
    if (move_mount(detached, "", AT_FDCWD, staging, MOVE_MOUNT_F_EMPTY_PATH) != 0) die("move_mount", staging);
    close(detached);
    int root = open(staging, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) die("open", staging);
    for (int index = 0; index < step_count; index++) {
        struct step *step = &steps[index];
        if (step->after_cgroup) continue;
        if (!step->unlocked) { perform(root, step); continue; }
        if (step->kind != BIND_CONTAINER) step->detached = detached_mount(root, step);
    }
    if (fchdir(root) != 0) die("fchdir", staging);
    if (syscall(SYS_pivot_root, ".", ".") != 0) die("pivot_root", staging);
    if (umount2(".", MNT_DETACH) != 0) die("umount2", "the old root");
    if (chdir("/") != 0) die("chdir", "/");
    close(root);
    if (setns(init_pidfd, CLONE_NEWUSER) != 0) die("setns", "user");
    if (unshare(CLONE_NEWNS) != 0) die("unshare", "mount");
    root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) die("open", "/");
    for (int index = 0; index < step_count; index++)
        if (steps[index].unlocked && !steps[index].after_cgroup) perform(root, &steps[index]);
    int namespace = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (namespace < 0 || send_descriptor(channel, namespace) != 0) die("sendmsg", "mount namespace");
    _exit(0);
}

/* As Corral: join init's namespaces but the user one for the clone, then return to our own. */
static long clone_mounter(int init_pidfd, int channel) {
    static const char *names[4] = { "net", "uts", "ipc", "pid" };
    int own[4];
    char path[64];
    for (int index = 0; index < 4; index++) {
        snprintf(path, sizeof path, "/proc/thread-self/ns/%s", names[index]);
        if ((own[index] = open(path, O_RDONLY | O_CLOEXEC)) < 0) die("open", path);
    }
    if (setns(init_pidfd, CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID) != 0) die("setns", "init's namespaces");
    struct floor_clone_args arguments = { .flags = CLONE_NEWNS, .exit_signal = SIGCHLD };
    long pid = clone3(&arguments);
    if (pid == 0) run_mounter(init_pidfd, channel);
    if (pid < 0) die("clone3", "mounter");
    for (int index = 0; index < 4; index++) {
        if (setns(own[index], 0) != 0) die("setns", "back to our own namespaces");
        close(own[index]);
    }
    return pid;
}

/* ---- init ---- */

static void wait_for_parent(int go) {
    char byte;
    while (read(go, &byte, 1) != 1) if (errno != EINTR) die("read", "go pipe");
}

static void run_init(int go, int channel, char **program) {
    wait_for_parent(go);
    if (setgroups(0, NULL) != 0) die("setgroups", NULL);
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) die("setresuid", NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl", "PR_SET_PDEATHSIG");
    int tree = receive_descriptor(channel);
    if (tree < 0 || setns(tree, CLONE_NEWNS) != 0) die("setns", "mount namespace");
    close(tree);
    close(channel);
    int socket_descriptor = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq request = { .ifr_name = "lo", .ifr_flags = IFF_UP };
    if (socket_descriptor < 0 || ioctl(socket_descriptor, SIOCSIFFLAGS, &request) != 0) die("ioctl", "lo");
    close(socket_descriptor);
    wait_for_parent(go);
    if (unshare(CLONE_NEWCGROUP) != 0) die("unshare", "cgroup");
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) die("open", "/");
    for (int index = 0; index < step_count; index++)
        if (steps[index].after_cgroup) perform(root, &steps[index]);
    close(root);
    if (sethostname(hostname, strlen(hostname)) != 0) die("sethostname", hostname);
    for (int capability = 0; capability <= CAP_LAST_CAP; capability++)
        if (!(kept_capabilities >> capability & 1) && prctl(PR_CAPBSET_DROP, capability) != 0 && errno != EINVAL)
            die("prctl", "PR_CAPBSET_DROP");
    if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL) < 0 && errno != ENOSYS) die("keyctl", NULL);
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = {
        { (uint32_t)kept_capabilities, (uint32_t)kept_capabilities, 0 },
        { (uint32_t)(kept_capabilities >> 32), (uint32_t)(kept_capabilities >> 32), 0 },
    };
    if (syscall(SYS_capset, &header, data) != 0) die("capset", NULL);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) die("prctl", "ambient");
    if (chdir("/") != 0) die("chdir", "/");
    if (setsid() < 0) die("setsid", NULL);
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) die("sigprocmask", NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl", "no_new_privs");
    if (filter.len && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) die("seccomp", NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl", "PR_SET_PDEATHSIG");
    if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) die("close_range", NULL);
    char *environment[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=corral", NULL };
    execve(program[0], program, environment);
    die("execve", program[0]);
}

/* ---- the parent ---- */

static void write_file(const char *path, const char *text) {
    int descriptor = open(path, O_WRONLY | O_CLOEXEC);
    if (descriptor < 0 || write(descriptor, text, strlen(text)) != (ssize_t)strlen(text)) die("write", path);
    close(descriptor);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: floor PLAN STAGING SECCOMP.bpf|- PROGRAM [ARG…]\n");
        return 2;
    }
    read_plan(argv[1]);
    /* As Corral: a capability this process does not hold cannot be passed on. */
    struct __user_cap_header_struct own = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct held[2];
    if (syscall(SYS_capget, &own, held) != 0) die("capget", NULL);
    kept_capabilities &= (uint64_t)held[1].permitted << 32 | held[0].permitted;
    staging = argv[2];
    read_filter(argv[3]);
    if (!root_source || !hostname) { errno = EINVAL; die("read", "plan without root or hostname"); }

    int go[2], errors[2], channel[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(errors, O_CLOEXEC) != 0) die("pipe2", NULL);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0) die("socketpair", NULL);

    int pidfd = -1;
    struct floor_clone_args arguments = {
        .flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD,
    };
    long pid = clone3(&arguments);
    if (pid == 0) {
        close(go[1]);
        close(errors[0]);
        close(channel[0]);
        run_init(go[0], channel[1], argv + 4);
    }
    if (pid < 0) die("clone3", "init");
    close(go[0]);

    char path[64], map[64];
    snprintf(map, sizeof map, "0 0 %u\n", map_count);
    snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
    write_file(path, map);
    snprintf(path, sizeof path, "/proc/%ld/gid_map", pid);
    write_file(path, map);
    char byte = 1;
    if (write(go[1], &byte, 1) != 1) die("write", "go pipe");
    long mounter = clone_mounter(pidfd, channel[0]);
    close(errors[1]);
    close(channel[0]);
    close(channel[1]);
    if (write(go[1], &byte, 1) != 1) die("write", "go pipe");
    /* End of file: init has exec'd (the pipe is close-on-exec). */
    while (read(errors[0], &byte, 1) < 0 && errno == EINTR) {}
    close(go[1]);
    int status;
    while (waitpid((pid_t)mounter, &status, 0) < 0 && errno == EINTR) {}
    siginfo_t info;
    while (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) != 0)
        if (errno != EINTR) die("waitid", "init");
    return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}
