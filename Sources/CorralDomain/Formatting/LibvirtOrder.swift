/// The order in which libvirt's `virDomainDefFormatInternal` writes elements. The formatter
/// writes modelled and preserved elements in this order, so Corral's output reads like
/// `virsh dumpxml`; elements libvirt does not name (other namespaces) come last, as written.
enum LibvirtOrder {
    static let topLevel = rankTable([
        "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
        "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads",
        "iothreadids", "defaultiothread", "cputune", "numatune", "resource", "sysinfo", "bootloader",
        "bootloader_args", "os", "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot",
        "on_crash", "on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap", "launchSecurity",
    ])

    static let devices = rankTable([
        "emulator", "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial",
        "parallel", "console", "channel", "input", "tpm", "graphics", "sound", "audio", "video",
        "hostdev", "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "panic", "shmem",
        "memory", "iommu", "vsock", "crypto", "pstore",
    ])

    /// Rank for elements outside libvirt's namespace or list: after everything libvirt writes.
    static let foreign = Int.max

    private static func rankTable(_ names: [String]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// `elements` stably sorted into libvirt's order. The parser stores preserved elements
    /// this way, so two files that differ only in element order give equal domains.
    static func canonicalOrder(_ elements: [PreservedElement], by table: [String: Int]) -> [PreservedElement] {
        elements.enumerated()
            .sorted { (table[$0.element.name] ?? foreign, $0.offset) < (table[$1.element.name] ?? foreign, $1.offset) }
            .map(\.element)
    }
}

/// Writes preserved elements (already in `canonicalOrder`) interleaved with the modelled
/// ones the caller writes between calls to `write(before:)`.
struct RankedElementWriter {
    private let pending: [PreservedElement]
    private let table: [String: Int]
    private var next = 0

    init(_ elements: [PreservedElement], table: [String: Int]) {
        self.table = table
        self.pending = elements
    }

    /// Writes every pending element that libvirt places before `name`.
    mutating func write(before name: String, into writer: inout XMLWriter) {
        let limit = table[name] ?? LibvirtOrder.foreign
        while next < pending.count && (table[pending[next].name] ?? LibvirtOrder.foreign) < limit {
            pending[next].format(into: &writer)
            next += 1
        }
    }

    mutating func writeRemaining(into writer: inout XMLWriter) {
        while next < pending.count {
            pending[next].format(into: &writer)
            next += 1
        }
    }
}
