import CorralDomain

/// Elements Corral reads and keeps but does not enforce yet. Starting such a container is
/// allowed — refusing every definition with a <memory> would refuse libvirt's own examples —
/// but never silently: each one is named in a warning at start.
public enum PendingFeatures {
    public static func warnings(for domain: Domain) -> [String] {
        var warnings: [String] = []
        if let vcpu = domain.vcpu, vcpu.cpuset == nil {
            // As under libvirt-lxc: the count alone sets no limit; <cputune> and cpuset do.
            warnings.append("<vcpu> \(vcpu.count) limits nothing by itself (as with libvirt-lxc); use <cputune><quota> or <vcpu cpuset>")
        }
        return warnings
    }
}
