import CorralDomain
import Glibc

/// A failed system call, told the way crun and systemd tell it: the call, the path(s) it
/// worked on, and errno's text — `mount '/srv/a' on '/mnt/a' (bind): No such file or directory`.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was attempted, as a user reads it: `mount`, `open`, `LOOP_CONFIGURE`.
    public let call: String
    /// The paths involved, in the order the call takes them.
    public let paths: [String]
    /// A qualifier such as the filesystem type: `(bind)`, `(tmpfs)`.
    public let detail: String?
    public let errno: Int32
    /// How the first two paths relate, as the call uses them: `on` for a mount's source and
    /// target, `to` for a rename, `with` for a loop device and its backing file.
    public let relation: String

    public init(_ call: String, _ paths: [String] = [], relation: String = "on", detail: String? = nil, errno: Int32) {
        self.call = call
        self.paths = paths
        self.relation = relation
        self.detail = detail
        self.errno = errno
    }

    /// The error for the errno the last call left.
    public static func last(_ call: String, _ paths: String..., relation: String = "on", detail: String? = nil) -> SystemCallError {
        SystemCallError(call, paths, relation: relation, detail: detail, errno: Glibc.errno)
    }

    public var description: String {
        var text = call
        switch paths.count {
        case 0: break
        case 1: text += " '\(paths[0])'"
        default:
            text += " '\(paths[0])' \(relation) '\(paths[1])'"
            for extra in paths.dropFirst(2) { text += " '\(extra)'" }
        }
        if let detail { text += " (\(detail))" }
        return text + ": " + errnoText(errno)
    }
}


/// A failure of the runtime that is not one system call: a missing template, an image format
/// Corral cannot attach, a definition element it cannot provide. Its code says what kind, so a
/// caller can tell "busy" from "not supported" without reading the text; its cause, when one
/// system call is behind it, is kept.
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// Something the definition names is wrong as it stands on this host (not a regular
        /// file, no filesystem signature, no such syscall).
        case invalidInput
        /// Held by another container (a cgroup, an image, a block device).
        case busy
        /// Asked for, but not something this host or Corral can provide.
        case unsupported
        /// A step inside the new container failed (its failure record).
        case setupFailed
        /// A library or the kernel failed in a way the definition cannot fix.
        case internalError
    }

    public let code: Code
    public let message: String
    public let cause: SystemCallError?

    public init(_ message: String, code: Code = .invalidInput, cause: SystemCallError? = nil) {
        self.message = message
        self.code = code
        self.cause = cause
    }

    public var description: String {
        cause.map { "\(message): \($0)" } ?? message
    }
}
