extension Domain {
    /// The container's hostname: the name when it is a valid host name, otherwise the name
    /// with every character outside `[A-Za-z0-9-]` replaced by '-', cut to 64 bytes
    /// (the kernel's limit). Dots are replaced too: a container gets a single label.
    public var hostname: String {
        var result = ""
        for scalar in name.unicodeScalars {
            guard result.utf8.count < 64 else { break }
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-": result.unicodeScalars.append(scalar)
            default: result.append("-")
            }
        }
        return result
    }

    /// The ids of the container's user namespace: its `<idmap>`, or the identity map. Every
    /// container has a user namespace, so a root inside holds its capabilities over its own
    /// namespaces only: it cannot mount a disk, make a device node or lift a lock on a mount.
    public var userNamespaceMap: IDMap { idmap ?? .identity }

    /// What is valid but likely a mistake, as `FILE[:LINE]: warning: <element>: message` lines:
    /// an `<idmap>` onto the host's root; and, `atStart`, a `<vcpu>` count alone, which limits
    /// nothing (as under libvirt-lxc, whose files often carry one: not worth a warning from
    /// `validate`).
    public func warnings(file: String, atStart: Bool = false) -> [String] {
        var warnings: [String] = []
        if let idmap {
            let place = idmap.line.map { "\(file):\($0)" } ?? file
            warnings += idmap.hostRootWarnings.map { "\(place): warning: \($0)" }
        }
        if atStart, let vcpu, vcpu.cpuset == nil {
            warnings.append("\(file): warning: <vcpu> \(vcpu.count) limits nothing by itself (as with libvirt-lxc); "
                + "use <cputune><quota> or <vcpu cpuset>")
        }
        return warnings
    }

    /// Preserved elements a container depends on but Corral cannot provide yet. The runtime
    /// refuses to start such a container and names each one with its line, rather than start
    /// something that differs from its definition.
    public var unsupportedElements: [PreservedElement] {
        var result = preservedElements.filter { !Domain.isHarmless($0) }
        // Interfaces Corral realises are not; what they hold that it cannot honour is.
        result += preservedDevices.filter {
            !Domain.isHarmless($0) && !($0.name == "interface" && NetworkInterface.realisedTypes.contains($0.attribute("type") ?? ""))
                && !HostNIC.describes($0)
        }
        result += interfaces.flatMap(\.unsupported)
        for filesystem in filesystems {
            result += filesystem.preserved.filter { !Domain.isHarmless($0) }
        }
        result += (memoryTune?.preserved ?? []) + (cpuTune?.preserved ?? []) + (blkioTune?.preserved ?? [])
        return result
    }

    /// Elements that describe nothing a container launcher must do: descriptive text, the
    /// emulator path and console target libvirt records, the clock (a container always shares
    /// the host's), libvirt's cgroup partition (Corral places containers under its own parent),
    /// a security label of type 'none', device aliases and addresses, and foreign metadata.
    static func isHarmless(_ element: PreservedElement) -> Bool {
        switch element.name {
        case "title", "description", "emulator", "alias", "address", "resource": true
        case "clock": element.attribute("offset").map { $0 == "utc" || $0 == "localtime" } ?? true
        case "seclabel": element.attribute("type") == "none"
        default: false
        }
    }
}
