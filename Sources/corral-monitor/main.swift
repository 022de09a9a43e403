// corral-monitor launches and watches one container for corrald or `corralctl run`; it
// arrives with the runtime issue. Until then it only explains itself.
#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: corral-monitor DEFINITION.xml

    Launches one container, waits for its init and reports why it ended. Started by corrald
    and `corralctl run`, not by hand. Not implemented yet in this version.

    """
_ = usage.withCString { write(2, $0, strlen($0)) }
exit(CommandLine.arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" } ? 0 : 2)
