import CorralDomain
@testable import CorralRuntime
import Glibc
import Testing

/// How runtime failures are told: the call, the paths and how they relate, errno's text; a
/// code a caller can act on, and the system call behind it.
@Suite struct ErrorTests {
    @Test func aSystemCallErrorNamesTheCallThePathsAndHowTheyRelate() {
        #expect(SystemCallError("mount", ["/srv/a", "/mnt/a"], detail: "bind", errno: ENOENT).description
                    == "mount '/srv/a' on '/mnt/a' (bind): No such file or directory")
        #expect(SystemCallError("rename", ["/s/x.tmp", "/s/x"], relation: "to", errno: EACCES).description
                    == "rename '/s/x.tmp' to '/s/x': Permission denied")
        #expect(SystemCallError("ioctl LOOP_CONFIGURE", ["/dev/loop3", "/i.img"], relation: "with", errno: EBUSY).description
                    == "ioctl LOOP_CONFIGURE '/dev/loop3' with '/i.img': Device or resource busy")
    }

    @Test func aRuntimeErrorCarriesACodeAndItsCause() {
        let cause = SystemCallError("bpf BPF_PROG_LOAD", errno: EPERM)
        let error = RuntimeError("the verifier refused the device program", code: .internalError, cause: cause)
        #expect(error.code == .internalError)
        #expect(error.cause == cause)
        #expect(error.description == "the verifier refused the device program: bpf BPF_PROG_LOAD: Operation not permitted")
        #expect(RuntimeError("plain").code == .invalidInput)
    }
}
