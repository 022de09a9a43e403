@testable import CorralRuntime
import Testing

/// The cgroup2 device program, run on a small interpreter of the instructions it uses: what
/// it allows and denies is checked without loading it (the kernel's verdict is checked from
/// inside real containers, in DeviceAccessTests).
@Suite struct DeviceProgramTests {
    /// Executes the program for one request; the instruction forms are DeviceProgram's only.
    static func run(_ program: [UInt64], type: UInt32, access: UInt32, major: UInt32, minor: UInt32) -> UInt64 {
        var registers = [UInt64](repeating: 0, count: 11)
        let context = [(access << 16) | type, major, minor]
        var counter = 0
        while counter < program.count {
            let instruction = program[counter]
            let code = UInt8(instruction & 0xff), destination = Int((instruction >> 8) & 0x0f)
            let source = Int((instruction >> 12) & 0x0f)
            let offset = Int(Int16(bitPattern: UInt16((instruction >> 16) & 0xffff)))
            let immediate = Int32(bitPattern: UInt32(instruction >> 32))
            counter += 1
            switch code {
            case 0x61: registers[destination] = UInt64(context[offset / 4])
            case 0x54: registers[destination] = UInt64(UInt32(truncatingIfNeeded: registers[destination]) & UInt32(bitPattern: immediate))
            case 0x74: registers[destination] = UInt64(UInt32(truncatingIfNeeded: registers[destination]) >> UInt32(immediate))
            case 0xb7: registers[destination] = UInt64(bitPattern: Int64(immediate))
            case 0xbf: registers[destination] = registers[source]
            case 0x55: if registers[destination] != UInt64(bitPattern: Int64(immediate)) { counter += offset }
            case 0x95: return registers[0]
            default:
                Issue.record("unexpected instruction \(String(instruction, radix: 16))")
                return 99
            }
        }
        Issue.record("the program ran off its end")
        return 99
    }

    static let character: UInt32 = 2, block: UInt32 = 1
    static let mknod: UInt32 = 1, read: UInt32 = 2, write: UInt32 = 4

    @Test func allowsTheListAndDeniesEverythingElse() {
        let program = DeviceProgram.instructions(for: DeviceRule.standard + [.filesystemDevice(7 << 8 | 3, readOnly: true),
                                                                             .filesystemDevice(259 << 8 | 1, readOnly: false)])
        func verdict(_ type: UInt32, _ access: UInt32, _ major: UInt32, _ minor: UInt32) -> UInt64 {
            Self.run(program, type: type, access: access, major: major, minor: minor)
        }
        #expect(verdict(Self.character, Self.read | Self.write, 1, 3) == 1, "/dev/null")
        #expect(verdict(Self.character, Self.mknod, 1, 9) == 1, "mknod /dev/urandom")
        #expect(verdict(Self.character, Self.read | Self.write, 136, 42) == 1, "a pty slave")
        #expect(verdict(Self.character, Self.mknod, 136, 42) == 0, "no mknod of pty slaves")
        #expect(verdict(Self.character, Self.read, 1, 1) == 0, "/dev/mem")
        #expect(verdict(Self.character, Self.read, 10, 200) == 0, "/dev/net/tun is not in the list")
        #expect(verdict(Self.block, Self.read, 8, 0) == 0, "a host disk")
        #expect(verdict(Self.block, Self.read, 1, 3) == 0, "the type is part of the rule")
        #expect(verdict(Self.block, Self.read, 7, 3) == 1, "a read-only filesystem's loop device, read")
        #expect(verdict(Self.block, Self.read | Self.write, 7, 3) == 0, "…but not written")
        #expect(verdict(Self.block, Self.read | Self.write, 259, 1) == 1, "a writable filesystem's disk")
        #expect(verdict(Self.block, Self.mknod, 259, 1) == 0, "no mknod of disks")
    }

    @Test func anEmptyListDeniesEverything() {
        let program = DeviceProgram.instructions(for: [])
        #expect(Self.run(program, type: Self.character, access: Self.read, major: 1, minor: 3) == 0)
    }

    @Test func encodesLikeTheKernelsStructBpfInsn() {
        // r2 = *(u32 *)(r1 + 4): code 0x61, dst 2, src 1, off 4.
        #expect(DeviceProgram.load(into: 2, offset: 4) == 0x0000_0000_0004_1261)
        // if r5 != 136 goto +3.
        #expect(DeviceProgram.jumpIfNotEqual(5, immediate: 136, skip: 3) == 0x0000_0088_0003_0555)
        #expect(DeviceRule.deviceMajor(259 << 8 | 1) == 259 && DeviceRule.deviceMinor(259 << 8 | 1) == 1)
    }
}
