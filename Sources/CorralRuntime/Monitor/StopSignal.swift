import CorralDomain
import CCorralSys
import Glibc

/// The signal that stops a container gracefully: `<corral:stop signal>` when given; else
/// SIGRTMIN+3 when init is systemd — which ignores SIGTERM as PID 1 and powers off on
/// SIGRTMIN+3, as systemd-nspawn and LXC send it — and SIGTERM for anything else.
public enum StopSignal {
    public static let systemdPowerOff = Signal(parsing: "SIGRTMIN+3")?.number ?? 37

    public static func resolve(_ domain: Domain, paths: RuntimePaths) -> Int32 {
        if let configured = domain.corral.stopSignal { return configured.number }
        return initIsSystemd(domain, paths: paths) ? systemdPowerOff : SIGTERM
    }

    /// Whether `<init>` leads, through the rootfs' symlinks (/sbin/init → ../lib/systemd/systemd),
    /// to a program named systemd. Decidable for roots that are directories on the host.
    static func initIsSystemd(_ domain: Domain, paths: RuntimePaths) -> Bool {
        let rootDirectory: String
        switch domain.rootFilesystem?.source {
        case .mount(let directory)?: rootDirectory = directory
        case .template(let name)?: rootDirectory = "\(paths.templateDirectory)/\(name)"
        case nil: rootDirectory = "/"
        default: return domain.os.initPath.hasSuffix("/systemd")
        }
        let root = open(rootDirectory, Int32(CORRAL_O_PATH) | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return false }
        defer { close(root) }
        var how = open_how()
        how.flags = UInt64(CORRAL_O_PATH | O_CLOEXEC)
        how.resolve = UInt64(RESOLVE_IN_ROOT)
        let target = corral_openat2(root, domain.os.initPath, &how)
        guard target >= 0 else { return domain.os.initPath.hasSuffix("/systemd") }
        defer { close(target) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let length = readlink("/proc/self/fd/\(target)", &buffer, buffer.count - 1)
        guard length > 0 else { return false }
        let resolved = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return resolved.hasSuffix("/systemd")
    }
}
