import CorralDomain

/// Elements Corral reads and keeps but does not enforce yet. Starting such a container is
/// allowed — refusing every definition with a <memory> would refuse libvirt's own examples —
/// but never silently: each one is named in a warning at start.
public enum PendingFeatures {
    public static func warnings(for domain: Domain) -> [String] {
        var warnings: [String] = []
        if domain.memory != nil || domain.currentMemory != nil {
            warnings.append("<memory> is not enforced yet: Corral does not set cgroup limits in this version")
        }
        if domain.vcpu != nil {
            warnings.append("<vcpu> is not enforced yet: Corral does not set cgroup limits in this version")
        }
        return warnings
    }
}
