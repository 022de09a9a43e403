import ArgumentParser

struct Corralctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corralctl",
        abstract: "Check, format and run Corral container definitions (libvirt LXC domain XML).",
        discussion: """
            A container is a libvirt-style domain XML file, by default in /etc/corral/containers/.
            `corralctl validate` checks definitions the way corrald will read them; `corralctl format`
            prints a definition in libvirt's canonical layout; `corralctl run` runs one container in
            the foreground; `corralctl exec` runs a command inside a running one. `list`, `status` and
            `logs` show what corrald supervises; `reload` and
            `stop-all` signal it.
            """,
        subcommands: [Validate.self, Format.self, Run.self, Exec.self, Stop.self, Start.self, Restart.self, List.self, Status.self, Logs.self, Console.self, Reload.self, StopAll.self])
}
