import CorralDomain

/// What a container's cgroup says about its use of the machine, for `corralctl status`.
public struct CgroupStatistics: Sendable, Equatable {
    public var memoryCurrent: UInt64?
    public var memoryPeak: UInt64?
    /// nil when unlimited.
    public var memoryLimit: UInt64?
    public var cpuMicroseconds: UInt64?
    public var tasks: UInt64?
    /// nil when unlimited.
    public var tasksLimit: UInt64?

    /// Reads the statistics of the cgroup `relativePath` (`corral/web`) on `layout`.
    public init(layout: CgroupLayout, relativePath: String) {
        func number(_ path: String) -> UInt64? {
            FileIO.text(path).flatMap { UInt64($0.trimmingASCIIWhitespace) }
        }
        func field(_ path: String, _ key: String) -> UInt64? {
            FileIO.text(path)?.split(separator: "\n")
                .first { $0.hasPrefix(key + " ") }.flatMap { UInt64($0.dropFirst(key.count + 1)) }
        }
        switch layout {
        case .unified(let root):
            let directory = "\(root)/\(relativePath)"
            memoryCurrent = number("\(directory)/memory.current")
            memoryPeak = number("\(directory)/memory.peak")
            memoryLimit = number("\(directory)/memory.max")
            cpuMicroseconds = field("\(directory)/cpu.stat", "usage_usec")
            tasks = number("\(directory)/pids.current")
            tasksLimit = number("\(directory)/pids.max")
        case .legacy(let hierarchies, _):
            let memory = hierarchies["memory"].map { "\($0)/\(relativePath)" }
            memoryCurrent = memory.flatMap { number("\($0)/memory.usage_in_bytes") }
            memoryPeak = memory.flatMap { number("\($0)/memory.max_usage_in_bytes") }
            // v1 writes "unlimited" as the largest page-aligned value.
            memoryLimit = memory.flatMap { number("\($0)/memory.limit_in_bytes") }.flatMap { $0 >= (1 << 62) ? nil : $0 }
            cpuMicroseconds = hierarchies["cpuacct"].flatMap { number("\($0)/\(relativePath)/cpuacct.usage") }.map { $0 / 1000 }
            tasks = hierarchies["pids"].flatMap { number("\($0)/\(relativePath)/pids.current") }
            tasksLimit = hierarchies["pids"].flatMap { number("\($0)/\(relativePath)/pids.max") }
        }
    }
}
