// corrald supervises the containers of a definitions directory; it arrives with the daemon
// issue. Until then it only explains itself, so packaging and the unit file can refer to it.
#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: corrald [--config FILE] [--config-dir DIR] [--state-dir DIR] [--log-dir DIR] [--template-dir DIR]

    The Corral daemon: starts every container defined in the definitions directory and
    supervises it. Not implemented yet in this version; use `corralctl validate|format`.

    """
_ = usage.withCString { write(2, $0, strlen($0)) }
exit(CommandLine.arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" } ? 0 : 2)
