import Glibc

/// init's cgroups as /proc/INIT/cgroup names them: its cgroup2 directory, opened for
/// CLONE_INTO_CGROUP, and the `cgroup.procs` files of its v1 hierarchies, opened for writing.
struct InitCgroups {
    let directory: OwnedDescriptor?
    let procs: [OwnedDescriptor]

    init(of initPID: pid_t) throws {
        var directory: OwnedDescriptor? = nil
        var procs: [OwnedDescriptor] = []
        if let layout = ContainerLauncher.cgroupLayout, let text = FileIO.text("/proc/\(initPID)/cgroup") {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3 else { continue }
                switch layout {
                case .unified(let root):
                    if fields[0] == "0" { directory = try OwnedDescriptor.open("\(root)\(fields[2])", O_RDONLY | O_DIRECTORY) }
                case .legacy(let hierarchies, let unified):
                    if fields[0] == "0" {
                        if let unified { directory = try OwnedDescriptor.open("\(unified)\(fields[2])", O_RDONLY | O_DIRECTORY) }
                    } else if let root = fields[1].split(separator: ",").lazy.compactMap({ hierarchies[String($0)] }).first {
                        procs.append(try OwnedDescriptor.open("\(root)\(fields[2])/cgroup.procs", O_WRONLY))
                    }
                }
            }
        }
        self.directory = directory
        self.procs = procs
    }
}
