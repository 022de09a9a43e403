import CorralDomain
import Testing

/// Every rule of the dialect has a test that shows the exact message a user reads:
/// `FILE:LINE: error: <element …>: what is wrong`.
@Suite struct ErrorPathTests {
    /// A valid domain with `body` starting on line 4.
    static func domain(_ body: String, os: String = "<os><type>exe</type><init>/sbin/init</init></os>") -> String {
        "<domain type='lxc'>\n  <name>t</name>\n  \(os)\n\(body)\n</domain>\n"
    }

    static func devices(_ body: String) -> String { domain("<devices>\n\(body)\n</devices>") }

    struct Case: CustomTestStringConvertible, Sendable {
        let what: String
        let xml: String
        let expected: [String]
        var testDescription: String { what }
    }

    static let cases: [Case] = [
        Case(what: "block filesystem without source", xml: devices("<filesystem type='block'>\n<target dir='/data'/>\n</filesystem>"),
             expected: ["test.xml:5: error: <filesystem type='block'>: missing <source dev='…'/>"]),
        Case(what: "filesystem without target", xml: devices("<filesystem type='mount'><source dir='/srv'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem type='mount'>: missing <target dir='…'/>"]),
        Case(what: "default type is mount, so it wants dir", xml: devices("<filesystem><target dir='/x'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem>: missing <source dir='…'/>"]),
        Case(what: "unknown filesystem type", xml: devices("<filesystem type='nfs'><source dir='/a'/><target dir='/b'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem type='nfs'>: type 'nfs' is not one of 'mount', 'block', 'file', 'template', 'ram', 'bind'"]),
        Case(what: "source attribute of another type", xml: devices("<filesystem type='mount'>\n<source dev='/dev/sda'/>\n<target dir='/b'/></filesystem>"),
             expected: ["test.xml:6: error: <source>: attribute 'dev' is not valid for type 'mount' (expected dir='…')",
                        "test.xml:6: error: <source>: missing attribute dir='…'"]),
        Case(what: "relative target", xml: devices("<filesystem><source dir='/a'/><target dir='data'/></filesystem>"),
             expected: ["test.xml:5: error: <target>: dir 'data' is not an absolute path"]),
        Case(what: "target climbing out", xml: devices("<filesystem><source dir='/a'/><target dir='/srv/../etc'/></filesystem>"),
             expected: ["test.xml:5: error: <target>: dir '/srv/../etc' contains '..'; paths in the container may not climb out of it"]),
        Case(what: "relative host source", xml: devices("<filesystem><source dir='srv'/><target dir='/b'/></filesystem>"),
             expected: ["test.xml:5: error: <source>: dir 'srv' is not an absolute path"]),
        Case(what: "duplicate target after normalisation",
             xml: devices("<filesystem><source dir='/a'/><target dir='/data'/></filesystem>\n<filesystem type='ram'><source usage='1'/><target dir='/data/'/></filesystem>"),
             expected: ["test.xml:6: error: <filesystem type='ram'>: target '/data' is already used by the <filesystem> on line 5"]),
        Case(what: "template name with a slash", xml: devices("<filesystem type='template'><source name='../etc'/><target dir='/'/></filesystem>"),
             expected: ["test.xml:5: error: <source>: name '../etc' may contain only letters, digits, '_', '+' and '-'"]),
        Case(what: "ram with a bad unit", xml: devices("<filesystem type='ram'><source usage='1' units='parsecs'/><target dir='/t'/></filesystem>"),
             expected: ["test.xml:5: error: <source>: units 'parsecs' is not a unit (b, KiB, MiB, GiB, TiB, PiB, EiB, KB, MB, …)"]),
        Case(what: "ram of zero bytes", xml: devices("<filesystem type='ram'><source usage='0'/><target dir='/t'/></filesystem>"),
             expected: ["test.xml:5: error: <source>: usage '0' must be at least 1"]),
        Case(what: "ram root", xml: devices("<filesystem type='ram'><source usage='1'/><target dir='/'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem type='ram'>: a ram filesystem cannot be the root: it would start empty, with no init"]),
        Case(what: "bind as root", xml: devices("<filesystem type='bind'><source dir='/a'/><target dir='/'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem type='bind'>: a bind filesystem can neither be the root nor bind the root"]),
        Case(what: "unknown filesystem attribute", xml: devices("<filesystem type='mount' fmode='0644'><source dir='/a'/><target dir='/b'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem type='mount'>: unknown attribute 'fmode' (expected 'accessmode', 'type')"]),
        Case(what: "unknown accessmode", xml: devices("<filesystem accessmode='open'><source dir='/a'/><target dir='/b'/></filesystem>"),
             expected: ["test.xml:5: error: <filesystem>: accessmode 'open' is not one of 'passthrough', 'mapped', 'squash'"]),
        Case(what: "unknown driver format", xml: devices("<filesystem type='file'><driver format='zip'/><source file='/i'/><target dir='/b'/></filesystem>"),
             expected: ["test.xml:5: error: <driver>: format 'zip' is neither an image format nor a filesystem type ('bochs', 'cloop', 'cow', 'dir', 'dmg', 'fat', 'iso', 'luks', 'ploop', 'qcow', 'qcow2', 'qed', 'raw', 'vdi', 'vhd', 'vmdk', 'vpc', 'btrfs', 'erofs', 'exfat', 'ext2', 'ext3', 'ext4', 'f2fs', 'iso9660', 'squashfs', 'udf', 'vfat', 'xfs')"]),
        Case(what: "unknown filesystem child", xml: devices("<filesystem><source dir='/a'/><target dir='/b'/><cache mode='none'/></filesystem>"),
             expected: ["test.xml:5: error: <cache>: not allowed in <filesystem> (expected <driver>, <source>, <target>, <readonly>)"]),
        Case(what: "two sources", xml: devices("<filesystem><source dir='/a'/><source dir='/c'/><target dir='/b'/></filesystem>"),
             expected: ["test.xml:5: error: <source>: duplicate element in <filesystem>; it may appear only once"]),
        Case(what: "readonly with content", xml: devices("<filesystem><source dir='/a'/><target dir='/b'/><readonly mode='x'/></filesystem>"),
             expected: ["test.xml:5: error: <readonly>: unknown attribute 'mode'; it takes none"]),
        Case(what: "missing name", xml: "<domain type='lxc'>\n<os><type>exe</type><init>/sbin/init</init></os>\n</domain>",
             expected: ["test.xml:1: error: <domain type='lxc'>: missing <name>"]),
        Case(what: "name with a slash", xml: "<domain type='lxc'>\n<name>a/b</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:2: error: <name>: 'a/b' contains '/'"]),
        Case(what: "name '..'", xml: "<domain type='lxc'>\n<name>..</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:2: error: <name>: '..' is not a name"]),
        Case(what: "empty name", xml: "<domain type='lxc'>\n<name></name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:2: error: <name>: the name is empty"]),
        Case(what: "name with a control character", xml: "<domain type='lxc'>\n<name>a&#9;b</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:2: error: <name>: the name contains a control character"]),
        Case(what: "name too long", xml: "<domain type='lxc'>\n<name>\(String(repeating: "n", count: 201))</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:2: error: <name>: the name is longer than 200 bytes"]),
        Case(what: "two names", xml: "<domain type='lxc'>\n<name>a</name>\n<name>b</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:3: error: <name>: duplicate element in <domain type='lxc'>; it may appear only once"]),
        Case(what: "missing os", xml: "<domain type='lxc'>\n<name>a</name>\n</domain>",
             expected: ["test.xml:1: error: <domain type='lxc'>: missing <os> with <type>exe</type> and <init>"]),
        Case(what: "domain of another hypervisor", xml: "<domain type='kvm'>\n<name>a</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:1: error: <domain type='kvm'>: type 'kvm' is not supported: Corral runs type 'lxc'"]),
        Case(what: "domain without type", xml: "<domain>\n<name>a</name>\n<os><type>exe</type><init>/i</init></os>\n</domain>",
             expected: ["test.xml:1: error: <domain>: missing attribute type='lxc'"]),
        Case(what: "wrong root element", xml: "<network>\n<name>a</name>\n</network>",
             expected: ["test.xml:1: error: <network>: the root element must be <domain type='lxc'>"]),
        Case(what: "os type hvm", xml: domain("", os: "<os>\n<type>hvm</type>\n<init>/sbin/init</init></os>"),
             expected: ["test.xml:4: error: <type>: os type 'hvm' is not supported: a container's os type is 'exe'"]),
        Case(what: "unknown arch", xml: domain("", os: "<os>\n<type arch='z80'>exe</type>\n<init>/sbin/init</init></os>"),
             expected: ["test.xml:4: error: <type>: arch 'z80' is not an architecture libvirt knows"]),
        Case(what: "missing init", xml: domain("", os: "<os><type>exe</type></os>"),
             expected: ["test.xml:3: error: <os>: missing <init>: the absolute path of the program to run as init"]),
        Case(what: "relative init", xml: domain("", os: "<os><type>exe</type><init>sbin/init</init></os>"),
             expected: ["test.xml:3: error: <init>: 'sbin/init' is not an absolute path"]),
        Case(what: "missing os type", xml: domain("", os: "<os><init>/sbin/init</init></os>"),
             expected: ["test.xml:3: error: <os>: missing <type>exe</type>"]),
        Case(what: "kernel in os", xml: domain("", os: "<os><type>exe</type><init>/sbin/init</init><kernel>/boot/vmlinuz</kernel></os>"),
             expected: ["test.xml:3: error: <kernel>: not allowed in <os> (expected <type>, <init>, <initarg>, <initenv>, <initdir>, <inituser>, <initgroup>)"]),
        Case(what: "bad environment name", xml: domain("", os: "<os><type>exe</type><init>/i</init><initenv name='1X'>v</initenv></os>"),
             expected: ["test.xml:3: error: <initenv>: name '1X' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)"]),
        Case(what: "environment set twice", xml: domain("", os: "<os><type>exe</type><init>/i</init><initenv name='A'>1</initenv><initenv name='A'>2</initenv></os>"),
             expected: ["test.xml:3: error: <initenv>: variable 'A' is set twice"]),
        Case(what: "initenv without name", xml: domain("", os: "<os><type>exe</type><init>/i</init><initenv>v</initenv></os>"),
             expected: ["test.xml:3: error: <initenv>: missing attribute name='NAME'"]),
        Case(what: "relative initdir", xml: domain("", os: "<os><type>exe</type><init>/i</init><initdir>srv</initdir></os>"),
             expected: ["test.xml:3: error: <initdir>: 'srv' is not an absolute path"]),
        Case(what: "inituser alone", xml: domain("", os: "<os><type>exe</type><init>/i</init><inituser>app</inituser></os>"),
             expected: ["test.xml:3: error: <inituser>: needs an <initgroup> beside it (libvirt's schema takes them as a pair)"]),
        Case(what: "inituser with a colon", xml: domain("", os: "<os><type>exe</type><init>/i</init><inituser>a:b</inituser><initgroup>0</initgroup></os>"),
             expected: ["test.xml:3: error: <inituser>: 'a:b' is neither a user or group name nor a number"]),
        Case(what: "bad uuid", xml: domain("<uuid>not-a-uuid</uuid>"),
             expected: ["test.xml:4: error: <uuid>: 'not-a-uuid' is not a UUID (32 hex digits, or 8-4-4-4-12)"]),
        Case(what: "memory not a number", xml: domain("<memory unit='MiB'>lots</memory>"),
             expected: ["test.xml:4: error: <memory>: value 'lots' is not an unsigned integer"]),
        Case(what: "memory unit unknown", xml: domain("<memory unit='MB2'>1</memory>"),
             expected: ["test.xml:4: error: <memory>: unit 'MB2' is not a unit (b, KiB, MiB, GiB, TiB, PiB, EiB, KB, MB, …)"]),
        Case(what: "memory overflowing", xml: domain("<memory unit='EiB'>100</memory>"),
             expected: ["test.xml:4: error: <memory>: '100 EiB' is too large"]),
        Case(what: "negative vcpu", xml: domain("<vcpu>-1</vcpu>"),
             expected: ["test.xml:4: error: <vcpu>: count '-1' is not an unsigned integer"]),
        Case(what: "vcpu current above count", xml: domain("<vcpu current='4'>2</vcpu>"),
             expected: ["test.xml:4: error: <vcpu>: current 4 exceeds the 2 vcpus"]),
        Case(what: "lifecycle action libvirt has but Corral does not", xml: domain("<on_crash>coredump-restart</on_crash>"),
             expected: ["test.xml:4: error: <on_crash>: action 'coredump-restart' is not one of 'destroy', 'restart', 'preserve'"]),
        Case(what: "idmap without root", xml: domain("<idmap>\n<uid start='1' target='1000' count='10'/>\n<gid start='0' target='1000' count='10'/>\n</idmap>"),
             expected: ["test.xml:4: error: <idmap>: no <uid> range starts at 0: the container's root must be mapped"]),
        Case(what: "idmap without gid", xml: domain("<idmap>\n<uid start='0' target='1000' count='10'/>\n</idmap>"),
             expected: ["test.xml:4: error: <idmap>: missing <gid start='0' target='…' count='…'/>: uids and gids are mapped together"]),
        Case(what: "idmap overlapping", xml: domain("<idmap>\n<uid start='0' target='1000' count='10'/>\n<uid start='5' target='5000' count='10'/>\n<gid start='0' target='1000' count='10'/>\n</idmap>"),
             expected: ["test.xml:4: error: <idmap>: <uid> ranges starting at 0 and 5 overlap"]),
        Case(what: "idmap count zero", xml: domain("<idmap>\n<uid start='0' target='1000' count='0'/>\n<gid start='0' target='1000' count='1'/>\n</idmap>"),
             expected: ["test.xml:5: error: <uid>: count '0' must be at least 1"]),
        Case(what: "idmap past the last id", xml: domain("<idmap>\n<uid start='0' target='4294967200' count='1000'/>\n<gid start='0' target='1000' count='1'/>\n</idmap>"),
             expected: ["test.xml:5: error: <uid>: target 4294967200 + count 1000 runs past the last id 4294967294"]),
        Case(what: "unknown capability policy", xml: domain("<features><capabilities policy='some'/></features>"),
             expected: ["test.xml:4: error: <capabilities>: policy 'some' is not one of 'default', 'allow', 'deny'"]),
        Case(what: "unknown capability", xml: domain("<features><capabilities><cap_sys_admin state='on'/></capabilities></features>"),
             expected: ["test.xml:4: error: <cap_sys_admin>: not a capability libvirt knows (e.g. <sys_admin state='off'/>)"]),
        Case(what: "capability state", xml: domain("<features><capabilities><sys_admin state='yes'/></capabilities></features>"),
             expected: ["test.xml:4: error: <sys_admin>: state 'yes' is not 'on' or 'off'"]),
        Case(what: "unknown feature", xml: domain("<features><acpi/></features>"),
             expected: ["test.xml:4: error: <acpi>: feature not supported for containers (expected <capabilities> or <privnet/>)"]),
        Case(what: "console of type file", xml: devices("<console type='file'/>"),
             expected: ["test.xml:5: error: <console type='file'>: console type 'file' is not supported: a container's console is type 'pty'"]),
        Case(what: "thirteen consoles", xml: devices(Array(repeating: "<console type='pty'/>", count: 13).joined(separator: "\n")),
             expected: ["test.xml:17: error: <console type='pty'>: a container has at most 12 consoles (/dev/console and /dev/tty1 to /dev/tty11)"]),
        Case(what: "bridge without a source", xml: devices("<interface type='bridge'/>"),
             expected: ["test.xml:5: error: <interface type='bridge'>: missing <source bridge='…'/>"]),
        Case(what: "malformed MAC", xml: devices("<interface type='ethernet'><mac address='52:54:00:zz:00:01'/></interface>"),
             expected: ["test.xml:5: error: <mac>: '52:54:00:zz:00:01' is not a MAC address (six hex pairs, as 52:54:00:0a:0b:0c)"]),
        Case(what: "multicast MAC", xml: devices("<interface type='ethernet'><mac address='01:00:5e:00:00:01'/></interface>"),
             expected: ["test.xml:5: error: <mac>: '01:00:5e:00:00:01' is a multicast address; an interface needs a unicast one"]),
        Case(what: "interface name too long", xml: devices("<interface type='ethernet'><target dev='a-very-long-interface'/></interface>"),
             expected: ["test.xml:5: error: <target>: 'a-very-long-interface' cannot name a network interface (1 to 15 bytes, no '/', ':' or space)"]),
        Case(what: "MTU out of range", xml: devices("<interface type='ethernet'><mtu size='20'/></interface>"),
             expected: ["test.xml:5: error: <mtu>: size '20' is not an MTU from 68 to 65535"]),
        Case(what: "link state", xml: devices("<interface type='ethernet'><link state='sideways'/></interface>"),
             expected: ["test.xml:5: error: <link>: state 'sideways' is not 'up' or 'down'"]),
        Case(what: "not an address", xml: devices("<interface type='ethernet'><ip address='10.0.0.300' prefix='24'/></interface>"),
             expected: ["test.xml:5: error: <ip>: address '10.0.0.300' is not an IPv4 or IPv6 address"]),
        Case(what: "prefix too long", xml: devices("<interface type='ethernet'><ip address='fd00::2' prefix='129'/></interface>"),
             expected: ["test.xml:5: error: <ip>: prefix '129' is not from 0 to 128"]),
        Case(what: "family mismatch", xml: devices("<interface type='ethernet'><ip address='fd00::2' family='ipv4'/></interface>"),
             expected: ["test.xml:5: error: <ip>: family 'ipv4' does not match the address 'fd00::2'"]),
        Case(what: "route gateway of another family", xml: devices("<interface type='ethernet'><route address='0.0.0.0' gateway='fd00::1'/></interface>"),
             expected: ["test.xml:5: error: <route>: gateway 'fd00::1' is not of the address's family"]),
        Case(what: "two interfaces, one host name", xml: devices("<interface type='ethernet'><target dev='v0'/></interface>\n<interface type='bridge'><source bridge='br0'/><target dev='v0'/></interface>"),
             expected: ["test.xml:4: error: <devices>: two interfaces have <target dev> 'v0'"]),
        Case(what: "all-zero MAC", xml: devices("<interface type='ethernet'><mac address='00:00:00:00:00:00'/></interface>"),
             expected: ["test.xml:5: error: <mac>: '00:00:00:00:00:00' is the all-zero address; an interface needs a real one"]),
        Case(what: "guest named lo", xml: devices("<interface type='ethernet'><guest dev='lo'/></interface>"),
             expected: ["test.xml:5: error: <guest>: 'lo' is the container's loopback interface already"]),
        Case(what: "loopback address", xml: devices("<interface type='ethernet'><ip address='::1' prefix='64'/></interface>"),
             expected: ["test.xml:5: error: <ip>: '::1' is a loopback address, not one an interface can have"]),
        Case(what: "prefix 0 address", xml: devices("<interface type='ethernet'><ip address='10.0.0.2' prefix='0'/></interface>"),
             expected: ["test.xml:5: error: <ip>: prefix 0 would make every address this interface's; give the subnet's prefix"]),
        Case(what: "route with host bits", xml: devices("<interface type='ethernet'><route address='10.1.2.3' prefix='24' gateway='10.0.0.1'/></interface>"),
             expected: ["test.xml:5: error: <route>: address '10.1.2.3' has bits set past its prefix /24; did you mean 10.1.2.0/24?"]),
        Case(what: "a default guest name taken", xml: devices("<interface type='ethernet'><guest dev='eth1'/></interface>\n<interface type='ethernet'/>"),
             expected: ["test.xml:4: error: <devices>: two interfaces have container-side name 'eth1'"]),
        Case(what: "one host NIC twice", xml: devices("<hostdev mode='capabilities' type='net'><source><interface>nic0</interface></source></hostdev>\n<hostdev mode='capabilities' type='net'><source><interface>nic0</interface></source></hostdev>"),
             expected: ["test.xml:4: error: <devices>: two interfaces have container-side name 'nic0'"]),
        Case(what: "unknown device", xml: devices("<teleporter/>"),
             expected: ["test.xml:5: error: <teleporter>: unknown device"]),
        Case(what: "unknown top-level element", xml: domain("<devics/>"),
             expected: ["test.xml:4: error: <devics>: unknown element in <domain>; elements of other tools need their own XML namespace"]),
        Case(what: "metadata without a namespace", xml: domain("<metadata><owner>me</owner></metadata>"),
             expected: ["test.xml:4: error: <owner>: a <metadata> element needs its own XML namespace (libvirt's rule)"]),
        Case(what: "stop signal unknown", xml: domain("<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n<c:stop signal='SIGFOO'/></c:container></metadata>"),
             expected: ["test.xml:5: error: <c:stop>: signal 'SIGFOO' is not a signal that can stop a container (e.g. SIGTERM, SIGRTMIN+3)"]),
        Case(what: "stop timeout not a number", xml: domain("<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n<c:stop timeout='soon'/></c:container></metadata>"),
             expected: ["test.xml:5: error: <c:stop>: timeout 'soon' is not an unsigned integer"]),
        Case(what: "unknown Corral setting", xml: domain("<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n<c:turbo/></c:container></metadata>"),
             expected: ["test.xml:5: error: <c:turbo>: not allowed in <c:container> (expected <corral:stop>, <corral:seccomp>, <corral:no_new_privileges>, <corral:pids>)"]),
        Case(what: "seccomp off with rules", xml: domain("<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n<c:seccomp filter='off'><c:deny syscall='ptrace'/></c:seccomp></c:container></metadata>"),
             expected: ["test.xml:5: error: <c:seccomp>: filter='off' takes no <corral:deny> or <corral:allow>"]),
        Case(what: "seccomp syscall name", xml: domain("<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n<c:seccomp><c:deny syscall='Ptrace!'/></c:seccomp></c:container></metadata>"),
             expected: ["test.xml:5: error: <c:deny>: syscall 'Ptrace!' is not a system call name"]),
        Case(what: "no_new_privileges state", xml: domain("<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n<c:no_new_privileges state='maybe'/></c:container></metadata>"),
             expected: ["test.xml:5: error: <c:no_new_privileges>: state 'maybe' is not 'on' or 'off'"]),
        Case(what: "several errors are all reported",
             xml: devices("<filesystem type='block'><target dir='/a'/></filesystem>\n<filesystem type='file'><source file='/i'/></filesystem>\n<console type='tcp'/>"),
             expected: ["test.xml:5: error: <filesystem type='block'>: missing <source dev='…'/>",
                        "test.xml:6: error: <filesystem type='file'>: missing <target dir='…'/>",
                        "test.xml:7: error: <console type='tcp'>: console type 'tcp' is not supported: a container's console is type 'pty'"]),
        Case(what: "malformed XML", xml: "<domain type='lxc'>\n<name>a</name>\n<os>\n</domain>",
             expected: ["test.xml:4: error: malformed XML: Opening and ending tag mismatch: os line 3 and domain"]),
        Case(what: "undeclared namespace prefix", xml: domain("<lxc:namespace/>"),
             expected: ["test.xml:4: error: malformed XML: Namespace prefix lxc on namespace is not defined"]),
    ]

    @Test(arguments: cases)
    func reportsExactly(_ testCase: Case) {
        #expect(errors(parsing: testCase.xml) == testCase.expected)
    }

    @Test func unreadableFileNamesTheFileAndTheErrno() {
        do {
            _ = try DomainParser.parse(contentsOf: "/nonexistent/corral/web.xml")
            Issue.record("parsed a file that does not exist")
        } catch {
            #expect(error.description == "/nonexistent/corral/web.xml: error: cannot open: No such file or directory")
        }
    }

    @Test func directoryIsNotADefinition() {
        do {
            _ = try DomainParser.parse(contentsOf: "/")
            Issue.record("parsed a directory")
        } catch {
            #expect(error.description == "/: error: not a regular file")
        }
    }
}
