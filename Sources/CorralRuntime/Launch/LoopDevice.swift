import Glibc
import CCorralSys

/// An image file attached to a free loop device, released by the kernel once the last user
/// is gone (LO_FLAGS_AUTOCLEAR): the launcher closes its descriptor as soon as the container's
/// mount holds the device, so neither a crash nor a failed setup can leak it.
final class LoopDevice {
    let path: String
    /// The device number, for the container's device access list.
    let number: UInt64
    private let device: OwnedDescriptor

    private init(path: String, device: OwnedDescriptor) throws {
        var status = stat()
        guard fstat(device.rawValue, &status) == 0 else { throw SystemCallError.last("fstat", path) }
        self.path = path
        self.number = UInt64(status.st_rdev)
        self.device = device
    }

    /// Attaches `image` with LOOP_CONFIGURE (one ioctl: backing file, flags and name at once).
    /// The image must be a regular file. A writable one is locked for the container (`owner`)
    /// with an open-file-description lock on the very descriptor the loop device keeps, so the
    /// lock lasts exactly as long as the device: a second container cannot attach it, not
    /// even read-only, while read-only users may share one.
    /// `waitForRelease`: a lock held now may be let go within a second (a killed container's
    /// loop device detaching): try for that long.
    static func attach(image: String, readOnly: Bool, owner: String, waitForRelease: Bool = false) throws -> LoopDevice {
        let access = readOnly ? O_RDONLY : O_RDWR
        // Non-blocking: a FIFO at the image's path must not hang the start.
        let backing = try OwnedDescriptor.open(image, access | O_NONBLOCK | O_NOCTTY)
        var status = stat()
        guard fstat(backing.rawValue, &status) == 0 else { throw SystemCallError.last("fstat", image) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw RuntimeError("image '\(image)' is not a regular file") }
        guard fcntl(backing.rawValue, F_SETFL, access) == 0 else { throw SystemCallError.last("fcntl F_SETFL", image) }
        try lock(backing, image: image, readOnly: readOnly, attempts: waitForRelease ? 100 : 1)
        let control = try OwnedDescriptor.open("/dev/loop-control", O_RDWR)
        // Another process may take the device between GET_FREE and CONFIGURE: try again.
        for _ in 0..<32 {
            let number = ioctl(control.rawValue, UInt(LOOP_CTL_GET_FREE))
            guard number >= 0 else { throw SystemCallError.last("ioctl LOOP_CTL_GET_FREE", "/dev/loop-control") }
            let path = "/dev/loop\(number)"
            let device = try OwnedDescriptor.open(path, access)
            var configuration = loop_config()
            configuration.fd = UInt32(backing.rawValue)
            configuration.info.lo_flags = UInt32(LO_FLAGS_AUTOCLEAR) | (readOnly ? UInt32(LO_FLAGS_READ_ONLY) : 0)
            // The loop device's name is the container's: how a refused second user learns
            // which container holds the image.
            withUnsafeMutableBytes(of: &configuration.info.lo_file_name) { name in
                for (index, byte) in owner.utf8.prefix(name.count - 1).enumerated() { name[index] = byte }
            }
            if ioctl(device.rawValue, UInt(LOOP_CONFIGURE), &configuration) == 0 {
                return try LoopDevice(path: path, device: device)
            }
            guard errno == EBUSY else { throw SystemCallError.last("ioctl LOOP_CONFIGURE", path, image, relation: "with") }
        }
        throw SystemCallError("ioctl LOOP_CONFIGURE", ["/dev/loop*", image], relation: "with", errno: EBUSY)
    }

    /// A write lock for a writable image, a read lock for a read-only one (F_OFD_SETLK).
    private static func lock(_ backing: OwnedDescriptor, image: String, readOnly: Bool, attempts: Int) throws {
        for _ in 1..<max(1, attempts) {
            if try backing.tryLock(exclusive: !readOnly, path: image) { return }
            usleep(10_000)
        }
        guard try backing.tryLock(exclusive: !readOnly, path: image) else {
            let holders = holdersOf(image)
            let who = holders.isEmpty ? "another process" : holders.map { "container '\($0.name)' (\($0.device))" }.joined(separator: ", ")
            let rule = readOnly ? "a read-only user may share it only with other read-only users" : "a writable image has one user at a time"
            throw RuntimeError("image '\(image)' is in use by \(who)\(readOnly ? " read-write" : ""); \(rule)", code: .busy)
        }
    }

    /// The loop devices backed by `image`, and the containers (their names) that attached them.
    private static func holdersOf(_ image: String) -> [(name: String, device: String)] {
        guard let resolved = realpath(image, nil) else { return [] }
        defer { free(resolved) }
        let target = String(cString: resolved)
        return FileIO.entries(of: "/sys/block").filter { $0.name.hasPrefix("loop") }.compactMap { entry in
            guard FileIO.text("/sys/block/\(entry.name)/loop/backing_file")?.trimmingASCIIWhitespace == target else { return nil }
            let path = "/dev/\(entry.name)"
            // Only for the message: a device that cannot be asked is named without its container.
            let device = OwnedDescriptor(open(path, O_RDONLY | O_CLOEXEC))
            var status = loop_info64()
            guard device.rawValue >= 0, ioctl(device.rawValue, UInt(LOOP_GET_STATUS64), &status) == 0 else { return ("?", path) }
            let name = withUnsafeBytes(of: status.lo_file_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return (name, path)
        }
    }

    /// Lets the kernel detach the device once nothing else holds it.
    func release() { device.close() }
}
