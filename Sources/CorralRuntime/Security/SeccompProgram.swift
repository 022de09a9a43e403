import CLibSeccomp
import CorralDomain
#if canImport(Glibc)
import Glibc
#endif

/// A seccomp profile compiled to BPF by libseccomp, in the parent: the child only installs the
/// bytes (crun: seccomp_export_bpf before clone, seccomp(SECCOMP_SET_MODE_FILTER) after).
/// The filter covers x86_64, i386 and x32 calls alike, so the 32-bit syscall table is no way
/// around it.
enum SeccompProgram {
    static let permissionDenied = UInt32(0x0005_0000) | UInt32(EPERM)  // SCMP_ACT_ERRNO(EPERM)
    static let notImplemented = UInt32(0x0005_0000) | UInt32(ENOSYS)  // SCMP_ACT_ERRNO(ENOSYS)
    static let allow = UInt32(0x7fff_0000)  // SCMP_ACT_ALLOW

    /// The BPF instructions (8 bytes each) for `profile`; `file` names the definition in errors.
    static func compile(_ profile: SeccompProfile, denied: [String]) throws -> [UInt8] {
        guard let filter = seccomp_init(allow) else { throw RuntimeError("seccomp_init: cannot create a filter") }
        defer { seccomp_release(filter) }
        for architecture in ["x86", "x32"] {
            let token = seccomp_arch_resolve_name(architecture)
            let result = seccomp_arch_add(filter, token)
            guard result == 0 || result == -EEXIST else {
                throw SystemCallError("seccomp_arch_add", [architecture], errno: -result)
            }
        }
        for name in denied {
            let number = seccomp_syscall_resolve_name(name)
            guard number != __NR_SCMP_ERROR else {
                throw RuntimeError("<corral:seccomp>: syscall '\(name)' is not a system call of this architecture")
            }
            try add(filter, permissionDenied, number, [], name)
        }
        if profile.restrictsRemounts {
            // mount(2) with MS_REMOUNT but without MS_RDONLY: a remount to read-write.
            let remount = UInt64(MS_REMOUNT), readOnly = UInt64(MS_RDONLY)
            try add(filter, permissionDenied, seccomp_syscall_resolve_name("mount"),
                    [scmp_arg_cmp(arg: 3, op: SCMP_CMP_MASKED_EQ, datum_a: remount | readOnly, datum_b: remount)], "mount")
            // mount_setattr can clear MOUNT_ATTR_RDONLY; ENOSYS makes systemd fall back to mount(2).
            try add(filter, notImplemented, seccomp_syscall_resolve_name("mount_setattr"), [], "mount_setattr")
            // fsconfig(FSCONFIG_CMD_RECONFIGURE) is the new API's remount.
            try add(filter, permissionDenied, seccomp_syscall_resolve_name("fsconfig"),
                    [scmp_arg_cmp(arg: 1, op: SCMP_CMP_EQ, datum_a: 7, datum_b: 0)], "fsconfig")
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw SystemCallError.last("pipe") }
        defer { close(pipeEnds[0]) }
        let exported = seccomp_export_bpf(filter, pipeEnds[1])
        close(pipeEnds[1])
        guard exported == 0 else { throw SystemCallError("seccomp_export_bpf", errno: -exported) }
        var program: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemCallError.last("read", "the exported seccomp filter") }
            if count == 0 { break }
            program += chunk[0..<count]
        }
        return program
    }

    private static func add(_ filter: scmp_filter_ctx, _ action: UInt32, _ number: Int32, _ conditions: [scmp_arg_cmp],
                            _ name: String) throws {
        var conditions = conditions
        let result = seccomp_rule_add_array(filter, action, number, UInt32(conditions.count), &conditions)
        guard result == 0 else { throw SystemCallError("seccomp_rule_add", [name], errno: -result) }
    }
}
