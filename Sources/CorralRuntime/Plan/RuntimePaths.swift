import CorralDomain

/// Where the runtime finds templates and keeps per-container state on the host.
public struct RuntimePaths: Sendable, Equatable {
    /// `type='template'` sources: `TEMPLATES/NAME` is the read-only lower layer.
    public var templateDirectory: String
    /// Per-container overlay upper and work directories: `OVERLAYS/CONTAINER/…`.
    public var overlayDirectory: String
    /// Runtime state; holds each running container's staging root directory.
    public var stateDirectory: String
    /// libvirt network definitions (`NAME.xml`) for `<interface type='network'>`.
    public var networkDirectory = "/etc/corral/networks"

    /// Each container's cgroup is PARENT/NAME below the root of every hierarchy.
    public var cgroupParent: String
    /// No cgroup at all (`--no-cgroup`): as crun's `--cgroup-manager=disabled`, for hosts where
    /// the launcher may not manage cgroups. Limits in the definition are then refused.
    public var usesCgroups = true

    public init(templateDirectory: String = "/var/lib/corral/templates",
                overlayDirectory: String = "/var/lib/corral/overlays",
                stateDirectory: String = "/run/corral", cgroupParent: String = "corral") {
        self.templateDirectory = templateDirectory
        self.overlayDirectory = overlayDirectory
        self.stateDirectory = stateDirectory
        self.cgroupParent = cgroupParent
    }

    /// The directory the container's root is mounted on before pivot_root. It exists on the
    /// host, but the mounts on it live only in the container's private mount namespace.
    public func stagingRoot(for name: String) -> String {
        "\(stateDirectory)/\(name).root"
    }

    /// The overlay directories of one template filesystem: one pair per target, so a
    /// container may use several templates.
    public func overlayLayers(container: String, target: ContainerPath) -> (upper: String, work: String) {
        let base = "\(overlayDirectory)/\(container)/\(RuntimePaths.layerName(for: target))"
        return (upper: base + "/upper", work: base + "/work")
    }

    /// `root` for `/`, otherwise the target with '%' and '/' percent-encoded: unique per
    /// target and a single path component. `/root`, which would encode as `root` too, has its
    /// first letter encoded (`%72oot`): no other target can give that name, as every other '%'
    /// is encoded.
    static func layerName(for target: ContainerPath) -> String {
        guard !target.isRoot else { return "root" }
        var name = ""
        for scalar in target.description.dropFirst().unicodeScalars {
            switch scalar {
            case "%": name += "%25"
            case "/": name += "%2F"
            default: name.unicodeScalars.append(scalar)
            }
        }
        return name == "root" ? "%72oot" : name
    }
}
