/// A device access list as the cgroup2 form of it: a `BPF_PROG_TYPE_CGROUP_DEVICE` program,
/// assembled here from the kernel's uapi encoding (crun and systemd do the same), which returns
/// 1 (allow) for a request one rule covers and 0 (deny) for everything else.
///
/// The program reads `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }`,
/// where `access_type` is `(access << 16) | type`; type 1 is block, 2 character; access bits
/// are mknod 1, read 2, write 4 — the same bits as `DeviceRule.Access`.
public enum DeviceProgram {
    /// The program's instructions, each the 8 bytes of a `struct bpf_insn`.
    public static func instructions(for rules: [DeviceRule]) -> [UInt64] {
        // r2 = type, r3 = requested access, r4 = major, r5 = minor.
        var program: [UInt64] = [
            load(into: 2, offset: 0), alu32(and, 2, immediate: 0xffff),
            load(into: 3, offset: 0), alu32(rightShift, 3, immediate: 16),
            load(into: 4, offset: 4), load(into: 5, offset: 8),
        ]
        for rule in rules { program += block(for: rule) }
        program += [move64(0, immediate: 0), exit]
        return program
    }

    /// One rule: each test that fails skips past the block; falling through allows.
    static func block(for rule: DeviceRule) -> [UInt64] {
        enum Step {
            case plain(UInt64)
            case skipUnless(register: UInt8, equals: Int32)
        }
        var steps: [Step] = [.skipUnless(register: 2, equals: rule.kind == .block ? 1 : 2)]
        if rule.access != .all {
            // The request must ask for nothing the rule does not allow: r1 = r3 & ~allowed == 0.
            let notAllowed = Int32(~UInt32(rule.access.rawValue) & 0xffff)
            steps += [.plain(moveRegister64(1, from: 3)), .plain(alu32(and, 1, immediate: notAllowed)),
                      .skipUnless(register: 1, equals: 0)]
        }
        if let major = rule.major { steps.append(.skipUnless(register: 4, equals: Int32(bitPattern: major))) }
        if let minor = rule.minor { steps.append(.skipUnless(register: 5, equals: Int32(bitPattern: minor))) }
        steps += [.plain(move64(0, immediate: 1)), .plain(exit)]
        return steps.enumerated().map { position, step in
            switch step {
            case .plain(let instruction): instruction
            case .skipUnless(let register, let value):
                jumpIfNotEqual(register, immediate: value, skip: Int16(steps.count - position - 1))
            }
        }
    }

    // The few instruction forms the program needs (linux/bpf.h, linux/bpf_common.h).
    static let and: UInt8 = 0x50, rightShift: UInt8 = 0x70
    static let exit = encode(code: 0x05 | 0x90, destination: 0, source: 0, offset: 0, immediate: 0)

    /// `dst = *(u32 *)(r1 + offset)`: BPF_LDX | BPF_MEM | BPF_W.
    static func load(into destination: UInt8, offset: Int16) -> UInt64 {
        encode(code: 0x61, destination: destination, source: 1, offset: offset, immediate: 0)
    }

    /// 32-bit `dst op= immediate`: BPF_ALU | op | BPF_K.
    static func alu32(_ operation: UInt8, _ destination: UInt8, immediate: Int32) -> UInt64 {
        encode(code: 0x04 | operation, destination: destination, source: 0, offset: 0, immediate: immediate)
    }

    /// `dst = immediate`: BPF_ALU64 | BPF_MOV | BPF_K.
    static func move64(_ destination: UInt8, immediate: Int32) -> UInt64 {
        encode(code: 0x07 | 0xb0, destination: destination, source: 0, offset: 0, immediate: immediate)
    }

    /// `dst = src`: BPF_ALU64 | BPF_MOV | BPF_X.
    static func moveRegister64(_ destination: UInt8, from source: UInt8) -> UInt64 {
        encode(code: 0x07 | 0xb0 | 0x08, destination: destination, source: source, offset: 0, immediate: 0)
    }

    /// `if dst != immediate goto +skip`: BPF_JMP | BPF_JNE | BPF_K.
    static func jumpIfNotEqual(_ destination: UInt8, immediate: Int32, skip: Int16) -> UInt64 {
        encode(code: 0x05 | 0x50, destination: destination, source: 0, offset: skip, immediate: immediate)
    }

    /// `struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm; }`, little-endian.
    static func encode(code: UInt8, destination: UInt8, source: UInt8, offset: Int16, immediate: Int32) -> UInt64 {
        UInt64(code) | UInt64((source << 4) | (destination & 0x0f)) << 8
            | UInt64(UInt16(bitPattern: offset)) << 16 | UInt64(UInt32(bitPattern: immediate)) << 32
    }
}
