import CLibSeccomp
import CorralDomain
import Glibc

/// A seccomp profile compiled to BPF by libseccomp, in the parent: the child only installs the
/// bytes (crun: seccomp_export_bpf before clone, seccomp(SECCOMP_SET_MODE_FILTER) after).
/// The filter covers x86_64, i386 and x32 calls alike, so the 32-bit syscall table is no way
/// around it.
enum SeccompProgram {
    static let permissionDenied = UInt32(0x0005_0000) | UInt32(EPERM)  // SCMP_ACT_ERRNO(EPERM)
    static let notImplemented = UInt32(0x0005_0000) | UInt32(ENOSYS)  // SCMP_ACT_ERRNO(ENOSYS)
    static let allow = UInt32(0x7fff_0000)  // SCMP_ACT_ALLOW
    /// Part of the cache key: bump it whenever `compile` changes what it generates.
    static let revision = 3
    /// i386's 64-bit-time versions of a call (x86_64 and x32 have none): denying the call
    /// denies them too, or the 32-bit table would be a way around it.
    static let timeVariants = ["clock_settime": ["clock_settime64"], "clock_adjtime": ["clock_adjtime64"]]

    /// The compiled filter for `denied`, from `cache` when an earlier launch compiled the same
    /// one (STATE_DIR is a tmpfs: the cache is as old as the boot, so as the kernel and
    /// libseccomp). Compiling costs more than the rest of a container's setup.
    static func program(_ profile: SeccompProfile, denied: [String], cache: String) throws -> [UInt8] {
        // What shapes the program: the denied calls joined by ',', then the rest. Hashed name
        // by name: `joined` is generic in the standard library, and its first call costs the
        // start more than the hash (the runtime looks up its associated types).
        var key = FNV1a()
        for (index, name) in denied.enumerated() {
            if index > 0 { key.add(",") }
            key.add(name)
        }
        key.add("|\(profile.restrictsRemounts)|\(seccomp_version()?.pointee.minor ?? 0)|r\(revision)")
        let path = "\(cache)/seccomp-\(String(key.value, radix: 16)).bpf"
        if let cached = FileIO.bytes(atPath: path), !cached.isEmpty, cached.count % 8 == 0 { return cached }
        let program = try compile(profile, denied: denied)
        do {
            try program.withUnsafeBytes { try FileIO.writeAtomically($0, to: path) }
        } catch {
            // A failed cache write only costs the next launch a compile.
        }
        return program
    }

    /// The BPF instructions (8 bytes each) for `profile`.
    static func compile(_ profile: SeccompProfile, denied: [String]) throws -> [UInt8] {
        guard let filter = seccomp_init(allow) else { throw RuntimeError("seccomp_init: cannot create a filter", code: .internalError) }
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
            for variant in timeVariants[name] ?? [] {
                // A libseccomp older than the time64 calls (2.4) cannot name them: nothing to add.
                let variantNumber = seccomp_syscall_resolve_name(variant)
                if variantNumber != __NR_SCMP_ERROR { try add(filter, permissionDenied, variantNumber, [], variant) }
            }
        }
        if profile.restrictsRemounts {
            // mount(2) with MS_REMOUNT but neither MS_RDONLY nor MS_BIND: a filesystem remounted
            // read-write. (Bind remounts, which change one mount's flags, stay allowed: systemd's
            // service sandboxing — ReadWritePaths= under ProtectSystem=strict — needs them.)
            let remount = UInt64(MS_REMOUNT), readOnly = UInt64(MS_RDONLY), bind = UInt64(MS_BIND)
            try add(filter, permissionDenied, seccomp_syscall_resolve_name("mount"),
                    [scmp_arg_cmp(arg: 3, op: SCMP_CMP_MASKED_EQ, datum_a: remount | readOnly | bind, datum_b: remount)], "mount")
            // mount_setattr can clear MOUNT_ATTR_RDONLY; ENOSYS makes systemd fall back to mount(2).
            try add(filter, notImplemented, seccomp_syscall_resolve_name("mount_setattr"), [], "mount_setattr")
            // fsconfig(FSCONFIG_CMD_RECONFIGURE) is the new API's remount.
            try add(filter, permissionDenied, seccomp_syscall_resolve_name("fsconfig"),
                    [scmp_arg_cmp(arg: 1, op: SCMP_CMP_EQ, datum_a: 7, datum_b: 0)], "fsconfig")
        }
        // A few hundred bytes: the pipe holds them all before they are read back.
        let exportPipe = try Pipe()
        let exported = seccomp_export_bpf(filter, exportPipe.writing.rawValue)
        exportPipe.writing.close()
        guard exported == 0 else { throw SystemCallError("seccomp_export_bpf", errno: -exported) }
        guard let program = FileIO.readAll(exportPipe.reading.rawValue) else {
            throw SystemCallError.last("read", "the exported seccomp filter")
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
