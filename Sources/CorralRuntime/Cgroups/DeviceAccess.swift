import CCorralSys
import Glibc

/// Puts a device access list on a cgroup2 directory: the list's program loaded into the
/// kernel and attached, so it holds for every process in that cgroup and below. The cgroup
/// keeps the program; its descriptor here is closed once attached.
enum DeviceAccess {
    static func attach(_ rules: [DeviceRule], to directory: String) throws {
        let instructions = DeviceProgram.instructions(for: rules)
        let program = load(instructions, log: nil)
        guard program >= 0 else {
            let error = SystemCallError.last("bpf BPF_PROG_LOAD", detail: "device access list")
            // Once more with the verifier's log (which prints every instruction it checked) for
            // the reason.
            var log = [CChar](repeating: 0, count: 1 << 16)
            if load(instructions, log: &log) < 0 {
                let lines = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: "\n")
                if let reason = lines.last {
                    throw RuntimeError("the verifier refused the device program: \(reason)", code: .internalError, cause: error)
                }
            }
            throw error
        }
        defer { close(program) }
        let cgroup = try OwnedDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        guard corral_bpf_attach_device_program(cgroup.rawValue, program) == 0 else {
            throw SystemCallError.last("bpf BPF_PROG_ATTACH", directory, detail: "device access list")
        }
    }

    private static func load(_ instructions: [UInt64], log: UnsafeMutablePointer<[CChar]>?) -> Int32 {
        instructions.withUnsafeBufferPointer { code in
            guard let log else { return corral_bpf_load_device_program(code.baseAddress, UInt32(code.count), nil, 0) }
            return corral_bpf_load_device_program(code.baseAddress, UInt32(code.count), &log.pointee, UInt32(log.pointee.count))
        }
    }
}
