import CLibCap
import CorralDomain

/// The kernel's capability numbers, through libcap: which exist on this kernel and which a
/// plan keeps.
enum KernelCapabilities {
    /// The capabilities in this process's permitted set.
    static func heldByThisProcess() -> Set<Int> {
        guard let current = cap_get_proc() else { return Set(0..<count) }
        defer { cap_free(UnsafeMutableRawPointer(current)) }
        var held: Set<Int> = []
        for capability in 0..<count {
            var value = CAP_CLEAR
            if cap_get_flag(current, cap_value_t(capability), CAP_PERMITTED, &value) == 0, value == CAP_SET { held.insert(capability) }
        }
        return held
    }

    /// How many capabilities this kernel has (CAP_LAST_CAP + 1).
    static var count: Int { Int(cap_max_bits()) }

    /// The kernel number of a capability libvirt names, if this kernel and libcap know it.
    static func number(of capability: Capability) -> Int? {
        var value = cap_value_t()
        guard cap_from_name("cap_" + capability.name, &value) == 0, Int(value) < count else { return nil }
        return Int(value)
    }

    /// The numbers init keeps under `plan`, as the two 32-bit words capset takes, and those
    /// to drop from the bounding set. A capability this process does not hold itself (a
    /// launcher that was given fewer) cannot be passed on: capset would refuse the whole set.
    static func mask(_ plan: CapabilityPlan) -> (words: [UInt32], dropped: [Int32]) {
        var keep = Set(plan.kept.compactMap(number(of:)))
        if plan.keepsUnnamed {
            let named = Set(Capability.allCases.compactMap(number(of:)))
            keep.formUnion((0..<count).filter { !named.contains($0) })
        }
        keep.formIntersection(heldByThisProcess())
        var words: [UInt32] = [0, 0]
        for capability in keep where capability < 64 { words[capability / 32] |= 1 << UInt32(capability % 32) }
        let dropped = (0..<count).filter { !keep.contains($0) }.map { Int32($0) }
        return (words, dropped)
    }
}
