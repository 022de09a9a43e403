// The kernel work of a container's start, as plain lines for Benchmarks/floor/floor.c:
//   corral-floor-plan DEFINITION.xml
// Derived from the very MountPlan and CapabilityPlan corralctl run executes, so the floor
// benchmark (scripts/bench-start.sh) stays in step with what Corral mounts and drops.
//
//   root SOURCE                                   the root, bound recursively
//   bind-host|bind-container|fs ATTRS FLAGS TARGET SOURCE [KEY[=VALUE]…]
//   symlink - - TARGET DESTINATION
//   node MODE(octal) DEVICE-NUMBER TARGET HOST-DEVICE  a character device node, made with mknod
//   keep-capability NAME                          init keeps it; every other is dropped
//   hostname NAME
//   map COUNT                                     identity uid/gid map of ids 0…COUNT-1
// ATTRS: MOUNT_ATTR_* bits in hex; FLAGS: letters, o = skip if missing, c = after the cgroup
// namespace, u = unlocked, f = target is a file. TARGET is relative to the container's root.
import CorralDomain
import CorralRuntime

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    let text = "corral-floor-plan: \(message)\n"
    // Nothing more can be said if stderr is gone.
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

guard CommandLine.arguments.count == 2 else { fail("usage: corral-floor-plan DEFINITION.xml") }
let domain: Domain
do {
    domain = try DomainParser.parse(contentsOf: CommandLine.arguments[1])
} catch {
    fail("\(error)")
}
guard domain.idmap == nil else { fail("the floor knows only the identity map (no <idmap>)") }
let plan = MountPlan(domain: domain, paths: RuntimePaths())
guard let root = plan.root, case .hostDirectory(let rootDirectory) = root.source else {
    fail("the floor needs a root of type='mount'")
}

func attributes(_ flags: MountFlags) -> String {
    var bits = 0
    if flags.contains(.readOnly) { bits |= 0x1 }   // MOUNT_ATTR_RDONLY
    if flags.contains(.noSetUID) { bits |= 0x2 }   // MOUNT_ATTR_NOSUID
    if flags.contains(.noDevices) { bits |= 0x4 }  // MOUNT_ATTR_NODEV
    if flags.contains(.noExecute) { bits |= 0x8 }  // MOUNT_ATTR_NOEXEC
    return String(bits, radix: 16)
}

func letters(_ step: MountStep, file: Bool) -> String {
    var text = ""
    if step.flags.contains(.ifPresent) { text += "o" }
    if step.flags.contains(.afterCgroupPlacement) { text += "c" }
    if step.flags.contains(.unlocked) { text += "u" }
    if file { text += "f" }
    return text.isEmpty ? "-" : text
}

let relative = { (path: ContainerPath) in path.components.joined(separator: "/") }
print("root \(rootDirectory)")
for step in plan.steps {
    let target = relative(step.target)
    switch step.source {
    case .hostDirectory(let directory):
        print("bind-host \(attributes(step.flags)) \(letters(step, file: false)) \(target) \(directory)")
    case .hostDevice(let device):
        if let node = StandardDeviceNode.node(for: step) {
            print("node \(String(node.mode, radix: 8)) \(node.number) \(target) \(device)")
            continue
        }
        print("bind-host \(attributes(step.flags)) \(letters(step, file: true)) \(target) \(device)")
    case .containerDirectory(let directory):
        print("bind-container \(attributes(step.flags)) \(letters(step, file: false)) \(target) \(relative(directory))")
    case .filesystem(let type, let options):
        let optionText = options.map { option in option.value.map { "\(option.key)=\($0)" } ?? option.key }
        print((["fs", attributes(step.flags), letters(step, file: false), target, type] + optionText).joined(separator: " "))
    case .symlink(let destination):
        print("symlink - - \(target) \(destination)")
    case .blockDevice, .imageFile, .overlay:
        fail("the floor knows directories and kernel filesystems only, not '\(step)'")
    }
}
let capabilities = CapabilityPlan(domain.features.capabilities)
guard !capabilities.keepsUnnamed else { fail("the floor knows only the libvirt-named capabilities (not policy='allow')") }
for capability in Capability.allCases where capabilities.kept.contains(capability) {
    print("keep-capability cap_\(capability.name)")
}
print("hostname \(domain.hostname)")
print("map 65536")
