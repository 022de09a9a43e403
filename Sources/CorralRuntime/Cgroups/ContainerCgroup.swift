import CorralDomain
import CCorralSys
import Glibc

/// One container's cgroup on this host, created before init exists and removed after it is
/// gone: limits written, init placed in it before it runs, the whole group killed on stop so
/// nothing escapes.
public final class ContainerCgroup {
    public let plan: CgroupPlan
    public let layout: CgroupLayout
    /// The path below each hierarchy's root (`corral/web`), as records and `corralctl status` name it.
    public let relativePath: String
    /// An open descriptor of the inner cgroup2 directory, for clone3's CLONE_INTO_CGROUP.
    public private(set) var unifiedDescriptor: Int32 = -1
    /// The host-wide claim on `relativePath` (CgroupClaim), held until the cgroup is removed.
    private var claim: CgroupClaim?

    /// Creates the cgroup and writes its limits; a limit the host cannot honour is an error that
    /// names the element, and nothing is left behind then.
    public init(domain: Domain, layout: CgroupLayout, parent: String, devices: [DeviceRule] = DeviceRule.standard,
                owner: (uid: UInt32, gid: UInt32)? = nil) throws {
        self.layout = layout
        relativePath = CgroupPlan.relativePath(parent: parent, name: domain.name)
        // An array, not a Set: a start on a cgroup2 host fills no Set<String> (README, "Start latency").
        var available: [String] = []
        if case .unified(let root) = layout {
            available = (FileIO.text("\(root)/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        }
        plan = CgroupPlan(domain: domain, layout: layout, parent: parent, available: available, devices: devices)
        claim = try CgroupClaim(relativePath)
        do {
            try create()
            if let directory = plan.deviceProgramDirectory { try DeviceAccess.attach(plan.devices, to: directory) }
            if let owner { try hand(to: owner) }
            if let directory = plan.payloadUnifiedDirectory {
                unifiedDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard unifiedDescriptor >= 0 else { throw SystemCallError.last("open", directory) }
            }
        } catch let error as CgroupInUse {
            // Another container's: none of it is touched (create removed what it had made).
            throw RuntimeError("cgroup '\(error.directory)' is in use: a container named like this one is already running on this host",
                               code: .busy)
        } catch {
            remove()
            throw error
        }
    }

    /// A container directory that holds processes: cgroups are host-wide, so this is another
    /// container of the same name (or anything placed there).
    private struct CgroupInUse: Error {
        let directory: String
    }

    private func create() throws {
        // Also the record of every directory this start made (`made`): meeting a container
        // directory in use removes only those, never the other container's (remove() would take
        // its empty sub-cgroups).
        var cpusets = CpusetValues()
        for step in plan.steps {
            switch step {
            case .create(let directory) where plan.containerDirectories.contains(directory):
                // Usually new: one mkdir, nothing to look at first. There already: in use, or
                // empty — what a killed launcher left, with a stale device list: made afresh.
                if mkdir(directory, 0o755) != 0 {
                    guard errno == EEXIST else { throw SystemCallError.last("mkdir", directory, detail: "cgroup") }
                    guard CgroupTree.pids(directory).isEmpty else {
                        // Just made, holding nothing: removed (one that is not is empty, and the
                        // next start of this name reuses it). The payloads go with them.
                        for directory in cpusets.made where plan.containerDirectories.contains(directory) {
                            _ = CgroupTree.remove(directory)
                        }
                        throw CgroupInUse(directory: directory)
                    }
                    _ = CgroupTree.remove(directory)
                    try HostDirectory.create(directory, detail: "cgroup")
                }
                cpusets.made.append(directory)
            case .create(let directory):
                if mkdir(directory, 0o755) == 0 {
                    cpusets.made.append(directory)
                } else if errno != EEXIST {
                    throw SystemCallError.last("mkdir", directory, detail: "cgroup")
                }
            case .delegate(let write):
                try self.write(write, toleratingBusy: true)
            case .write(let write) where write.value == "@parent":
                let (directory, file) = CpusetValues.split(write.path)
                let parent = CpusetValues.split(directory).directory
                let inherited = cpusets.value(of: "\(parent)/\(file)")
                try writeIfChanged(CgroupPlan.Write(path: write.path, value: inherited, element: write.element), &cpusets)
            // (Not String.contains: on the start path its first use costs ~0.1 ms of generic setup.)
            case .write(let write) where CgroupPlan.isCpusetFile(write.path):
                try writeIfChanged(write, &cpusets)
            case .write(let write):
                try self.write(write)
            }
        }
    }

    /// A cpuset file is written only when its value changes: every change of a load-balanced
    /// cpuset rebuilds the kernel's scheduling domains (see CgroupPlan), and the shared parent
    /// levels already hold their values from an earlier start.
    private func writeIfChanged(_ write: CgroupPlan.Write, _ cpusets: inout CpusetValues) throws {
        guard cpusets.value(of: write.path) != write.value else { return }
        try self.write(write)
        cpusets.known[write.path] = write.value
    }

    /// What a start knows of v1 cpuset files without reading them: what it read or wrote, and
    /// what a directory it made itself (`made`: every one, in order) starts with — no cpus, no
    /// mems, load balancing on. Each
    /// level asked its parent's and its own values: 15 reads a start, 5 now. A wrong guess (a
    /// parent with clone_children, whose children start with its cpus) costs one write of the
    /// same value.
    struct CpusetValues {
        var known: [String: String] = [:]
        var made: [String] = []

        mutating func value(of path: String) -> String {
            if let value = known[path] { return value }
            let (directory, file) = CpusetValues.split(path)
            let value = made.contains(directory) ? (file == "cpuset.sched_load_balance" ? "1" : "")
                : (FileIO.text(path) ?? "").trimmingASCIIWhitespace
            known[path] = value
            return value
        }

        /// `a/b/file` as (`a/b`, `file`).
        static func split(_ path: String) -> (directory: String, file: String) {
            guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
            return (String(path[..<slash]), String(path[path.utf8.index(after: slash)...]))
        }
    }

    /// A container in a user namespace manages its own subtree (systemd does): its root owns
    /// the inner directories and the files that move tasks and enable controllers — never the
    /// outer one, where the limits are.
    private func hand(to owner: (uid: UInt32, gid: UInt32)) throws {
        for directory in plan.payloadDirectories {
            for path in [directory, "\(directory)/cgroup.procs", "\(directory)/cgroup.threads", "\(directory)/cgroup.subtree_control"] {
                if chown(path, owner.uid, owner.gid) != 0 && errno != ENOENT { throw SystemCallError.last("chown", path, detail: "cgroup") }
            }
        }
    }

    private func write(_ write: CgroupPlan.Write, toleratingBusy: Bool = false) throws {
        do {
            try FileIO.writeExisting(write.path, write.value)
        } catch let error where error.call == "open" && error.errno == ENOENT {
            let file = write.path.split(separator: "/").last.map(String.init) ?? write.path
            throw RuntimeError("\(write.element): this host's \(layout.name) has no \(file); Corral cannot honour it here",
                               code: .unsupported)
        } catch let error where error.call != "open" && toleratingBusy {
            return
        } catch {
            throw SystemCallError(error.call, error.paths, detail: write.element, errno: error.errno)
        }
    }

    /// Puts `pid` in the v1 hierarchies (on cgroup2 it was cloned into place).
    public func place(_ pid: pid_t) throws {
        for file in plan.procsFiles {
            try write(CgroupPlan.Write(path: file, value: String(pid), element: "cgroup placement"))
        }
    }

    /// Kills every process in the cgroup and below: cgroup.kill on v2; on v1 freeze, SIGKILL
    /// each, thaw — every frozen cgroup of the tree, as the container may have frozen one of
    /// its own, where a pending SIGKILL would wait forever. Failures mean the group is already
    /// empty or gone, which is the goal.
    public func killAll() {
        // Not cgroup.kill alone on a hybrid host: a process may be in the container's cgroup of
        // one v1 hierarchy only (a host process joined there), and a task frozen by the v1
        // freezer does not die of SIGKILL until thawed (RobustnessTests has both).
        if case .unified = layout, let directory = plan.unifiedDirectory, ContainerCgroup.set("\(directory)/cgroup.kill", "1") {
            return
        }
        if let freezer = plan.freezer { _ = ContainerCgroup.set("\(freezer)/freezer.state", "FROZEN") }
        for directory in plan.containerDirectories {
            for pid in CgroupTree.pids(directory) { kill(pid, SIGKILL) }
        }
        if let freezer = plan.freezer {
            CgroupTree.writeEverywhere(freezer, file: "freezer.state", "THAWED")
        }
    }

    /// How many processes the OOM killer killed in the container: `oom_kill` of the outer
    /// cgroup's memory.events (v2, which counts its subtree), or of memory.oom_control in each
    /// cgroup of the tree (v1, which counts in the victim's own cgroup).
    public func outOfMemoryKills() -> UInt64 {
        var kills: UInt64 = 0
        func count(_ text: String) -> UInt64 {
            text.split(separator: "\n").first { $0.hasPrefix("oom_kill ") }.flatMap { UInt64($0.dropFirst("oom_kill ".count)) } ?? 0
        }
        if case .unified = layout, let directory = plan.unifiedDirectory {
            return count(FileIO.text("\(directory)/memory.events") ?? "")
        }
        // The memory hierarchy's tree alone: no other has the file (a walk of all ten was 8%
        // of what a monitor spent stopping its container on a hybrid host).
        guard case .legacy(let hierarchies, _) = layout, let memory = hierarchies["memory"] else { return 0 }
        for directory in plan.containerDirectories where directory == "\(memory)/\(relativePath)" {
            CgroupTree.forEach(directory) { cgroup in
                let file = openat(cgroup, "memory.oom_control", O_RDONLY | O_CLOEXEC)
                guard file >= 0 else { return }
                defer { close(file) }
                kills += count(String(decoding: FileIO.readAll(file) ?? [], as: UTF8.self))
            }
        }
        return kills
    }

    /// Writes `value` to a cgroup file; false when it cannot.
    static func set(_ path: String, _ value: String) -> Bool {
        do {
            try FileIO.writeExisting(path, value)
            return true
        } catch {
            return false
        }
    }

    /// Removes the container's directories (and any the container made below them), waiting
    /// a moment for killed processes to leave — or, not `waiting`, trying once.
    /// Returns the directories still there after a second of tries (none, once the container's
    /// processes are gone), for the caller to report.
    @discardableResult
    public func remove(waiting: Bool = true) -> [String] {
        var remaining: [String] = []
        for _ in 0..<(waiting ? 200 : 1) {
            // The inner cgroups first, by name: then the outer ones are usually empty and go
            // with one rmdir each, without a walk (EBUSY here: what the container made below
            // its cgroup, or a process still leaving — the walk of the outer one handles both).
            for inner in plan.payloadDirectories { _ = rmdir(inner) }
            remaining = plan.containerDirectories.filter { CgroupTree.remove($0) }
            if remaining.isEmpty { break }
            usleep(5000)
        }
        if unifiedDescriptor >= 0 {
            close(unifiedDescriptor)
            unifiedDescriptor = -1
        }
        // Released with the cgroup (one left behind is the next start's to reclaim): a restart
        // in this very process takes it again, and an OFD lock conflicts with its own holder's.
        claim?.release()
        claim = nil
        return remaining
    }


    /// What a monitor that was killed left of its container's cgroup `relativePath` (as its
    /// record names it): every process in it killed, every frozen cgroup thawed, every
    /// directory removed — in every hierarchy of `layout`.
    public static func reclaim(relativePath: String, layout: CgroupLayout) {
        let roots: [String]
        switch layout {
        case .unified(let root): roots = [root]
        case .legacy(let hierarchies, let unified): roots = Array(Set(hierarchies.values)) + (unified.map { [$0] } ?? [])
        }
        let directories = roots.map { root -> String in "\(root)/\(relativePath)" }.filter { access($0, F_OK) == 0 }
        for directory in directories {
            // cgroup.kill where there is one (v2); otherwise each process, then thaw (v1).
            if !set("\(directory)/cgroup.kill", "1") {
                for pid in CgroupTree.pids(directory) { kill(pid, SIGKILL) }
                CgroupTree.writeEverywhere(directory, file: "freezer.state", "THAWED")
            }
        }
        for _ in 0..<200 {
            guard directories.contains(where: { CgroupTree.remove($0) }) else { break }
            usleep(5000)
        }
        CgroupClaim.removeUnheld(relativePath)
    }
}
