extension Domain {
    /// The canonical XML of this definition: libvirt's layout and element order, every
    /// preserved element written back. Stable: formatting the parse of this text gives it back
    /// byte for byte.
    public var canonicalXML: String {
        var writer = XMLWriter()
        var preserved = RankedElementWriter(preservedElements, table: LibvirtOrder.topLevel)
        let rootAttributes = [("type", Optional("lxc"))] + namespaceDeclarations.map { ($0.name, Optional($0.value)) }
        writer.open("domain", rootAttributes)

        preserved.write(before: "name", into: &writer)
        writer.textElement("name", text: name)
        preserved.write(before: "uuid", into: &writer)
        if let uuid { writer.textElement("uuid", text: uuid.description) }
        preserved.write(before: "metadata", into: &writer)
        if !corral.isEmpty || !foreignMetadata.isEmpty {
            writer.open("metadata")
            for element in foreignMetadata { element.format(into: &writer) }
            corral.format(into: &writer)
            writer.close("metadata")
        }
        preserved.write(before: "memory", into: &writer)
        if let memory { writer.textElement("memory", [("unit", "KiB")], text: String(memory.kibibytes)) }
        preserved.write(before: "currentMemory", into: &writer)
        if let currentMemory {
            writer.textElement("currentMemory", [("unit", "KiB")], text: String(currentMemory.kibibytes))
        }
        preserved.write(before: "blkiotune", into: &writer)
        blkioTune?.format(into: &writer)
        preserved.write(before: "memtune", into: &writer)
        memoryTune?.format(into: &writer)
        preserved.write(before: "vcpu", into: &writer)
        if let vcpu {
            writer.textElement("vcpu", [("placement", vcpu.placement.rawValue), ("cpuset", vcpu.cpuset),
                                        ("current", vcpu.current.map { String($0) })],
                               text: String(vcpu.count))
        }
        preserved.write(before: "cputune", into: &writer)
        cpuTune?.format(into: &writer)
        preserved.write(before: "os", into: &writer)
        os.format(into: &writer)
        preserved.write(before: "idmap", into: &writer)
        idmap?.format(into: &writer)
        preserved.write(before: "features", into: &writer)
        features.format(into: &writer)
        preserved.write(before: "on_poweroff", into: &writer)
        writer.textElement("on_poweroff", text: lifecycle.onPoweroff.rawValue)
        writer.textElement("on_reboot", text: lifecycle.onReboot.rawValue)
        writer.textElement("on_crash", text: lifecycle.onCrash.rawValue)
        preserved.write(before: "devices", into: &writer)
        formatDevices(into: &writer)
        preserved.writeRemaining(into: &writer)

        writer.close("domain")
        return writer.output
    }

    private func formatDevices(into writer: inout XMLWriter) {
        guard !filesystems.isEmpty || !consoles.isEmpty || !preservedDevices.isEmpty else { return }
        var preserved = RankedElementWriter(preservedDevices, table: LibvirtOrder.devices)
        writer.open("devices")
        preserved.write(before: "filesystem", into: &writer)
        for filesystem in filesystems { filesystem.format(into: &writer) }
        preserved.write(before: "console", into: &writer)
        for console in consoles { console.format(into: &writer) }
        preserved.writeRemaining(into: &writer)
        writer.close("devices")
    }
}
