import Glibc

/// Names the filesystem on a block device from its superblock signature, as libblkid would
/// for the common types — never libvirt's "try every filesystem until one mounts".
enum FilesystemProbe {
    private struct Signature {
        let type: String
        let offset: Int
        let magic: [UInt8]
    }

    private static let signatures = [
        Signature(type: "ext4", offset: 0x438, magic: [0x53, 0xEF]),  // ext2/3/4: the ext4 driver mounts all
        Signature(type: "xfs", offset: 0, magic: Array("XFSB".utf8)),
        Signature(type: "btrfs", offset: 0x10040, magic: Array("_BHRfS_M".utf8)),
        Signature(type: "squashfs", offset: 0, magic: Array("hsqs".utf8)),
        Signature(type: "erofs", offset: 1024, magic: [0xE2, 0xE1, 0xF5, 0xE0]),
        Signature(type: "f2fs", offset: 1024, magic: [0x10, 0x20, 0xF5, 0xF2]),
        Signature(type: "iso9660", offset: 0x8001, magic: Array("CD001".utf8)),
        Signature(type: "vfat", offset: 0x52, magic: Array("FAT32".utf8)),
        Signature(type: "vfat", offset: 0x36, magic: Array("FAT1".utf8)),
    ]

    /// The type of the filesystem on `device`; `described` names it in errors (the image).
    static func type(of device: String, described: String) throws -> String {
        // Non-blocking: a FIFO in the device's place must not hang the start.
        let descriptor = try OwnedDescriptor.open(device, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        let length = 0x10040 + 8
        var bytes = [UInt8](repeating: 0, count: length)
        let count = bytes.withUnsafeMutableBytes { buffer in
            buffer.baseAddress.map { pread(descriptor.rawValue, $0, length, 0) } ?? -1
        }
        guard count >= 0 else { throw SystemCallError.last("read superblock", device) }
        for signature in signatures where signature.offset + signature.magic.count <= count {
            if Array(bytes[signature.offset..<signature.offset + signature.magic.count]) == signature.magic {
                return signature.type
            }
        }
        throw RuntimeError("probe '\(described)': no known filesystem signature; name its type with <driver format='ext4'/> (or xfs, btrfs, …)")
    }
}
