#if canImport(Glibc)
import Glibc
#endif
import CCorralSys

/// An image file attached to a free loop device, released by the kernel once the last user
/// is gone (LO_FLAGS_AUTOCLEAR): the launcher closes its descriptor as soon as the container's
/// mount holds the device, so neither a crash nor a failed setup can leak it.
final class LoopDevice {
    let path: String
    let image: String
    /// The device number, for the container's device access list.
    let number: UInt64
    private let device: OwnedDescriptor

    private init(path: String, image: String, device: OwnedDescriptor) throws {
        var status = stat()
        guard fstat(device.rawValue, &status) == 0 else { throw SystemCallError.last("fstat", path) }
        self.path = path
        self.image = image
        self.number = UInt64(status.st_rdev)
        self.device = device
    }

    /// Attaches `image` with LOOP_CONFIGURE (one ioctl: backing file, flags and name at once).
    static func attach(image: String, readOnly: Bool) throws -> LoopDevice {
        let access = readOnly ? O_RDONLY : O_RDWR
        let backing = try OwnedDescriptor.open(image, access)
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
            withUnsafeMutableBytes(of: &configuration.info.lo_file_name) { name in
                for (index, byte) in image.utf8.prefix(name.count - 1).enumerated() { name[index] = byte }
            }
            if ioctl(device.rawValue, UInt(LOOP_CONFIGURE), &configuration) == 0 {
                return try LoopDevice(path: path, image: image, device: device)
            }
            guard errno == EBUSY else { throw SystemCallError.last("ioctl LOOP_CONFIGURE", path, image) }
        }
        throw SystemCallError("ioctl LOOP_CONFIGURE", ["/dev/loop*", image], errno: EBUSY)
    }

    /// Lets the kernel detach the device once nothing else holds it.
    func release() { device.close() }
}
