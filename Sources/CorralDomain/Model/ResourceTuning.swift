/// libvirt's `<memtune>`: memory limits beyond `<memory>`.
public struct MemoryTune: Sendable, Equatable {
    public var hardLimit: MemoryAmount?
    public var softLimit: MemoryAmount?
    public var swapHardLimit: MemoryAmount?
    /// Children Corral does not apply (`<min_guarantee>`), kept verbatim; the runtime refuses them.
    public var preserved: [PreservedElement]

    public init(hardLimit: MemoryAmount? = nil, softLimit: MemoryAmount? = nil, swapHardLimit: MemoryAmount? = nil,
                preserved: [PreservedElement] = []) {
        self.hardLimit = hardLimit
        self.softLimit = softLimit
        self.swapHardLimit = swapHardLimit
        self.preserved = preserved
    }
}

/// libvirt's `<cputune>`: CPU weight and bandwidth.
public struct CPUTune: Sendable, Equatable {
    /// Relative weight (cgroup v1 cpu.shares, 2…262144).
    public var shares: UInt64?
    /// Bandwidth period and quota in microseconds; a negative quota means no limit.
    public var period: UInt64?
    public var quota: Int64?
    /// Children Corral does not apply (`<vcpupin>`, `<emulator_period>`, …), kept verbatim.
    public var preserved: [PreservedElement]

    public init(shares: UInt64? = nil, period: UInt64? = nil, quota: Int64? = nil, preserved: [PreservedElement] = []) {
        self.shares = shares
        self.period = period
        self.quota = quota
        self.preserved = preserved
    }
}

/// libvirt's `<blkiotune>`: block I/O weight.
public struct BlkioTune: Sendable, Equatable {
    /// 100…1000 (libvirt's range).
    public var weight: UInt32?
    /// Children Corral does not apply (`<device>`), kept verbatim.
    public var preserved: [PreservedElement]

    public init(weight: UInt32? = nil, preserved: [PreservedElement] = []) {
        self.weight = weight
        self.preserved = preserved
    }
}
