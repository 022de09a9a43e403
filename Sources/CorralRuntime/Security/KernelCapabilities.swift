import CLibCap
import CorralDomain

/// The kernel's capability numbers, through libcap: which exist on this kernel, which this
/// process holds, and which a plan keeps — as bit masks, which is what capset and the
/// bounding set want (and cheap on the start path).
enum KernelCapabilities {
    /// How many capabilities this kernel has (CAP_LAST_CAP + 1), at most 64.
    static var count: Int { min(64, Int(cap_max_bits())) }

    /// The kernel number of a capability libvirt names, if this kernel and libcap know it.
    static func number(of capability: Capability) -> Int? {
        var value = cap_value_t()
        guard cap_from_name("cap_" + capability.name, &value) == 0, Int(value) < count else { return nil }
        return Int(value)
    }

    /// libcap's name of capability `number` (`cap_sys_admin`), for messages.
    static func name(of number: Int32) -> String? {
        guard number >= 0, let text = cap_to_name(cap_value_t(number)) else { return nil }
        defer { cap_free(text) }
        return String(cString: text)
    }

    /// This process's permitted set.
    static func heldByThisProcess() -> UInt64 {
        guard let current = cap_get_proc() else { return allOnThisKernel }
        defer { cap_free(UnsafeMutableRawPointer(current)) }
        var held: UInt64 = 0
        for capability in 0..<count {
            var value = CAP_CLEAR
            if cap_get_flag(current, cap_value_t(capability), CAP_PERMITTED, &value) == 0, value == CAP_SET {
                held |= 1 << UInt64(capability)
            }
        }
        return held
    }

    static var allOnThisKernel: UInt64 { count == 64 ? UInt64.max : (1 << UInt64(count)) - 1 }

    /// What init keeps under `plan`, as the two 32-bit words capset takes, and the numbers to
    /// drop from the bounding set. A capability this process does not hold itself (a launcher
    /// that was given fewer) cannot be passed on: capset would refuse the whole set.
    static func mask(_ plan: CapabilityPlan) -> (words: [UInt32], dropped: [Int32]) {
        var named: UInt64 = 0
        var keep: UInt64 = 0
        for capability in Capability.allCases {
            guard let number = number(of: capability) else { continue }
            named |= 1 << UInt64(number)
            if plan.kept.contains(capability) { keep |= 1 << UInt64(number) }
        }
        if plan.keepsUnnamed { keep |= allOnThisKernel & ~named }
        keep &= heldByThisProcess()
        let dropped = (0..<count).filter { keep & (1 << UInt64($0)) == 0 }.map { Int32($0) }
        return ([UInt32(truncatingIfNeeded: keep), UInt32(truncatingIfNeeded: keep >> 32)], dropped)
    }
}
