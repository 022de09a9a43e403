#!/bin/sh
# Runs inside the guest of scripts/vm-systemd-test.sh: Debian 12 with systemd as PID 1, Corral
# installed by scripts/install.sh. `run` (corral-vmtest.service, once multi-user.target is
# reached) drives corrald through systemctl and powers the guest off; `shutdown` (ExecStop of
# corral-vmtest-witness.service, which systemd stops after corrald at that poweroff) checks
# that the guest's own shutdown stopped the containers gracefully. Each check is one
# "VMTEST name PASS|FAIL: why" line on the serial console, which the host reads back.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
console=/dev/ttyS0
unit_cgroup=/sys/fs/cgroup/system.slice/corrald.service
holder_cgroup=/sys/fs/cgroup/system.slice/corral-containers.service

say() { echo "VMTEST $*" > "$console"; }
# result NAME yes|no WHY
result() {
    if [ "$2" = yes ]; then say "$1 PASS"; else say "$1 FAIL: $(printf '%s' "$3" | tr '\n' '|' | cut -c1-900)"; fi
}
# eventually SECONDS COMMAND: true once COMMAND (a shell string) succeeds, polled twice a second.
eventually() {
    tries=$(( $1 * 2 ))
    while [ "$tries" -gt 0 ]; do
        if eval "$2"; then return 0; fi
        sleep 0.5
        tries=$(( tries - 1 ))
    done
    return 1
}
journal() { journalctl -u corrald --no-pager -o cat | tail -n "${1:-12}"; }
init_pid() { sed -n 's/^init_pid=//p' "/run/corral/$1.state" 2>/dev/null; }
phase() { sed -n 's/^phase=//p' "/run/corral/$1.state" 2>/dev/null; }
main_pid() { systemctl show -p MainPID --value corrald; }
monitors() { grep -l '^corral-monitor' /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3 | tr '\n' ' '; }
# The containers' cgroups, wherever they are (each has a payload leaf).
container_cgroups() { find /sys/fs/cgroup -name payload 2>/dev/null | tr '\n' ' '; }

shutdown_report() {
    witness=$(cat /srv/witness/web 2>&1)
    [ "$witness" = term ] && result shutdown-stops-containers-gracefully yes \
        || result shutdown-stops-containers-gracefully no "web's stop witness: $witness"
    left=$(container_cgroups)
    [ -z "$left" ] && result shutdown-leaves-no-cgroup yes || result shutdown-leaves-no-cgroup no "$left"
    say DONE
}

run() {
    say "guest: kernel $(uname -r), $(systemctl --version | head -1), $(stat -fc %T /sys/fs/cgroup)"

    # Type=notify: `enable --now` returns once corrald sent READY=1.
    out=$(systemctl enable --now corrald 2>&1)
    state=$(systemctl is-active corrald)
    [ "$state" = active ] && result notify-reaches-active yes || result notify-reaches-active no "$state: $out $(journal)"
    if eventually 20 'systemctl status corrald --no-pager 2>&1 | grep -q "Status: \"1 running"'; then
        result status-line-shown yes
    else
        result status-line-shown no "$(systemctl status corrald --no-pager 2>&1 | head -8)"
    fi

    # The shipped definition-directory path, a loop-mounted image and a ram filesystem.
    if eventually 30 'grep -q "ram-ok" /var/log/corral/web.log 2>/dev/null'; then
        grep -q "data: data-ok" /var/log/corral/web.log && result file-and-ram-container-runs yes \
            || result file-and-ram-container-runs no "$(tail -5 /var/log/corral/web.log)"
    else
        result file-and-ram-container-runs no "$(tail -5 /var/log/corral/web.log 2>&1) $(journal)"
    fi

    # Delegation: the containers and their monitors in corral-containers.service's subtree,
    # its holder in a leaf; corrald's own unit holds nothing but corrald.
    web=$(init_pid web)
    cgroup=$(sed -n 's/^0:://p' "/proc/$web/cgroup" 2>/dev/null)
    case "$cgroup" in
        /system.slice/corral-containers.service/containers/web/*) result container-in-delegated-subtree yes ;;
        *) result container-in-delegated-subtree no "init $web in '$cgroup'" ;;
    esac
    holder=$(systemctl show -p MainPID --value corral-containers)
    holder_in=$(sed -n 's/^0:://p' "/proc/$holder/cgroup")
    monitor_in=$(sed -n 's/^0:://p' "/proc/$(sed -n 's/^monitor_pid=//p' /run/corral/web.state)/cgroup")
    [ "$holder_in" = /system.slice/corral-containers.service/holder ] && [ -z "$(cat "$holder_cgroup/cgroup.procs")" ] \
        && [ "$monitor_in" = /system.slice/corral-containers.service/monitors ] \
        && result holder-and-monitors-in-leaves yes \
        || result holder-and-monitors-in-leaves no "holder $holder in '$holder_in', web's monitor in '$monitor_in', unit's own procs: $(cat "$holder_cgroup/cgroup.procs")"
    [ "$(cat "$unit_cgroup/cgroup.procs")" = "$(main_pid)" ] && [ -z "$(cat "$unit_cgroup/cgroup.subtree_control")" ] \
        && result corrald-unit-holds-only-corrald yes \
        || result corrald-unit-holds-only-corrald no "procs: $(cat "$unit_cgroup/cgroup.procs" | tr '\n' ' '), corrald $(main_pid), subtree_control '$(cat "$unit_cgroup/cgroup.subtree_control")'"

    # Reload through the unit's ExecReload (corralctl reload): a new file starts.
    cp /srv/extra.xml /etc/corral/containers/extra.xml
    out=$(systemctl reload corrald 2>&1)
    if [ -z "$out" ] && eventually 20 '[ "$(phase extra)" = running ]' && journal 40 | grep -q "SIGHUP: re-read 2 definition"; then
        result reload-picks-up-new-file yes
    else
        result reload-picks-up-new-file no "reload: '$out', extra: $(phase extra); $(journal)"
    fi

    # The watchdog (WatchdogSec=2 in a drop-in of the test) is fed: no restart over 3 periods.
    before=$(main_pid)
    sleep 6
    restarts=$(systemctl show -p NRestarts --value corrald)
    [ "$(main_pid)" = "$before" ] && [ "$restarts" = 0 ] && ! journal 40 | grep -qi watchdog \
        && result watchdog-fed yes || result watchdog-fed no "pid $before -> $(main_pid), NRestarts=$restarts; $(journal)"

    # A restart (an upgrade) keeps the containers: same init pids, adopted by the new corrald.
    before=$(main_pid)
    out=$(systemctl restart corrald 2>&1)
    if [ "$(systemctl is-active corrald)" = active ] && [ "$(main_pid)" != "$before" ] \
        && eventually 10 '[ "$(init_pid web)" = "$web" ] && [ "$(phase web)" = running ]' \
        && kill -0 "$web" 2>/dev/null && journal 30 | grep -q "web: adopted its running monitor" \
        && journal 30 | grep -q "SIGTERM for a restart of corrald.service: leaving 2 container(s) running" \
        && ! journal 40 | grep -q "left-over process" && [ ! -e /srv/witness/web ]; then
        result restart-keeps-containers yes
    else
        result restart-keeps-containers no "restart: '$out', web init $web -> $(init_pid web) ($(phase web)), witness: $(cat /srv/witness/web 2>&1); $(systemctl status corrald --no-pager 2>&1 | head -5); $(journal)"
    fi

    # A whole Debian with systemd as init boots under corrald here too, and powers itself off.
    cp /srv/debian.xml /etc/corral/containers/debian.xml
    if eventually 150 'grep -q "check: journal-lines" /var/log/corral/debian.log 2>/dev/null'; then
        log=$(cat /var/log/corral/debian.log)
        case "$log" in
            *"check: multi-user active"*"check: failed-units 0"*) result system-container-boots yes ;;
            *) result system-container-boots no "$(grep check: /var/log/corral/debian.log)" ;;
        esac
    else
        result system-container-boots no "$(tail -c 1500 /var/log/corral/debian.log 2>&1)"
    fi
    rm -f /etc/corral/containers/debian.xml

    # stop: every container gracefully, nothing left, the unit inactive rather than failed.
    out=$(systemctl stop corrald 2>&1)
    state=$(systemctl is-active corrald)
    witness=$(cat /srv/witness/web 2>&1)
    left=$(container_cgroups)
    [ "$state" = inactive ] && [ "$witness" = term ] && [ -z "$left" ] && [ -z "$(monitors)" ] \
        && result stop-stops-containers-gracefully yes \
        || result stop-stops-containers-gracefully no "'$out' state $state, witness '$witness', cgroups '$left', monitors '$(monitors)'; $(journal)"

    # Then the guest's own shutdown, with the containers running again.
    rm -f /srv/witness/web
    systemctl start corrald
    eventually 30 '[ "$(phase web)" = running ] && [ "$(phase extra)" = running ]' \
        || result started-again no "web $(phase web), extra $(phase extra)"
    systemctl poweroff --no-block
}

case "${1:-run}" in
    run) run ;;
    shutdown) shutdown_report ;;
esac
