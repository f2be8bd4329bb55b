#!/bin/sh
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
#
# The fleet test (make test runs it after swift test): rolling hot upgrades of kv on five
# hosts with the Ansible collection in deploy/ansible, over SSH, under load.
#
#   1. build kv 0.1.0, 0.2.0 and 0.3.0 (whose health check fails) with swift-distill
#   2. start five hosts (scripts/fleet/fleet.sh: network namespaces, an sshd each)
#   3. deploy 0.1.0 to every host (swift_distill.release.deploy), twice: nothing the second time
#   4. start a load of calls on every host (scripts/fleet/load.py)
#   5. the pre-flight refuses a rollout from another version, and one without the disk for it
#   6. roll out 0.2.0 one host at a time; 7. run the same rollout again: nothing changes
#   8. roll out 0.3.0: the first host's health check fails, the node downgrades itself in
#      place to 0.2.0, the play fails naming that host, the other four are never touched
#   9. roll every host back to 0.1.0; remove the old releases (twice: nothing the second time)
#  10. stop the load: no call failed on any host, every acknowledged write reads back;
#      every node is the OS process it was at the first deploy
#
# It prints the wall time and per-host install times of each rollout, and the rollouts'
# overhead over the sum of the hosts' bin/kv upgrade times. Any failed check stops it with
# "fleet test: FAIL: ..." and a non-zero status; success ends with "fleet test: PASS ...".
# Environment: FLEET_DIR (default /tmp/fleet), FLEET_HOSTS (default 5), SWIFT, DISTILL,
# FLEET_RELEASES (prebuilt tarballs kv-VSN.tar.gz: skips the build), KEEP=1 (leave the fleet up).
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
FLEET=$REPO/scripts/fleet/fleet.sh
export FLEET_DIR=${FLEET_DIR:-/tmp/fleet}
HOSTS=${FLEET_HOSTS:-5}
WORK=$FLEET_DIR/test
RELEASES=${FLEET_RELEASES:-$WORK/releases}
HEALTH='releases/$DISTILL_RELEASE_VSN/commands/health.sh'

now_ms() { date +%s%3N; }
START=$(now_ms)
fail() {
    printf 'fleet test: FAIL: %s\n' "$*" >&2
    exit 1
}
say() { printf '\n==> %s\n' "$*"; }
root() { echo "$FLEET_DIR/host$1/kv"; }
kv() {
    n=$1
    shift
    "$(root "$n")/bin/kv" "$@"
}

cleanup() {
    status=$?
    if [ -f "$WORK/stop" ] || [ ! -d "$WORK" ]; then :; else touch "$WORK/stop"; fi
    if [ "${KEEP:-0}" != 1 ]; then "$FLEET" down >/dev/null 2>&1 || true; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command (its arguments after the first) and writes the CPU seconds (user, system) it
# and its children used to the file its first argument names.
CPU_TIMED='
import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{usage.ru_utime} {usage.ru_stime}")
sys.exit(status)'

# Runs a playbook of the collection in the controller namespace; its output goes to
# $WORK/LABEL.out (and the terminal), its rollout summary to $WORK/LABEL.json. Sets $rc.
playbook() {
    label=$1
    shift
    printf '    $ ansible-playbook swift_distill.release.%s\n' "$*"
    started=$(now_ms)
    set +e
    DISTILL_ROLLOUT_JSON=$WORK/$label.json ANSIBLE_FORCE_COLOR=0 python3 -c "$CPU_TIMED" "$WORK/$label.cpu" \
        "$FLEET" ansible-playbook "swift_distill.release.$@" > "$WORK/$label.out" 2>&1
    rc=$?
    set -e
    wall_ms=$(($(now_ms) - started))
    sed 's/^/    | /' "$WORK/$label.out"
    printf '    (exit status %s, %s ms)\n' "$rc" "$wall_ms"
}

# Checks host N's running and permanent release ($2, $3) with bin/kv versions.
expect_versions() {
    actual=$(kv "$1" versions --json | python3 -c '
import json, sys
releases = json.load(sys.stdin)["result"]
running = [r["version"] for r in releases if r["running"]]
permanent = [r["version"] for r in releases if r["status"] == "permanent"]
print(" ".join(running + ["/"] + permanent))')
    [ "$actual" = "$2 / $3" ] || fail "host$1 runs/permanent '$actual', expected '$2 / $3'"
}

# Checks $WORK/LABEL.json: each host's outcome ($2: "host1=rolled back,host2=not touched,...";
# a bare outcome applies to every host), and that the hosts' upgrades did not overlap.
expect_summary() {
    python3 - "$WORK/$1.json" "$2" "$HOSTS" <<'EOF' || fail "$1: the rollout summary is not as expected"
import json, sys
summary = json.load(open(sys.argv[1]))
wanted = sys.argv[2]
hosts = int(sys.argv[3])
expected = {}
for part in wanted.split(","):
    if "=" in part:
        host, outcome = part.split("=", 1)
        expected[host] = outcome
    else:
        expected = {f"host{n}": part for n in range(1, hosts + 1)}
rows = {row["host"]: row for row in summary["hosts"]}
ok = True
for host, outcome in expected.items():
    actual = rows.get(host, {}).get("outcome")
    if actual != outcome:
        print(f"    {host}: outcome {actual!r}, expected {outcome!r}")
        ok = False
spans = sorted((row["started_at"], row["ended_at"], row["host"]) for row in rows.values() if row.get("started_at"))
for (s1, e1, h1), (s2, e2, h2) in zip(spans, spans[1:]):
    if s2 < e1:
        print(f"    {h2} started before {h1} finished: not one host at a time")
        ok = False
sys.exit(0 if ok else 1)
EOF
}

# Appends LABEL's wall time, install times and overhead to $WORK/timings, and prints them;
# with the CPU time ansible-playbook and its ssh clients used, and the machine's load average.
timings() {
    python3 - "$WORK/$1.json" "$1" "$wall_ms" "$(cat "$WORK/$1.cpu")" "$(cut -d' ' -f1 /proc/loadavg)" <<'EOF' |
import json, sys
summary = json.load(open(sys.argv[1]))
label, wall = sys.argv[2], int(sys.argv[3]) / 1000
cpu = sum(float(x) for x in sys.argv[4].split())
rows = [r for r in summary["hosts"] if r["outcome"] not in ("not touched", "unchanged")]
installs = sum(r["seconds"] for r in rows)
per_host = " ".join(f"{r['host']}={r['seconds']:.2f}s" for r in rows)
n = len(rows) or 1
print(f"    {label}: wall {wall:.2f} s, bin/kv {rows[0]['action'] if rows else '-'} {installs:.2f} s "
      f"on {len(rows)} hosts ({per_host}); overhead {wall - installs:.2f} s = {(wall - installs) / n:.2f} s per host "
      f"(controller CPU {cpu:.2f} s, load average {sys.argv[5]})")
EOF
        tee -a "$WORK/timings"
}

# Network namespaces and sshd need root: a user who is not builds the releases as
# themselves (the build directories stay theirs), then runs the rest through sudo.
if [ "$(id -u)" -ne 0 ]; then
    if [ -z "${FLEET_RELEASES:-}" ]; then
        RELEASES=${TMPDIR:-/tmp}/fleet-releases-$(id -u)
        "$REPO/scripts/fleet/releases.sh" "$RELEASES" || fail "building the releases failed"
    fi
    exec sudo -E FLEET_RELEASES="$RELEASES" "$0" "$@"
fi

mkdir -p "$WORK"
rm -f "$WORK"/*.out "$WORK"/*.json "$WORK"/*.cpu "$WORK"/load-* "$WORK/stop" "$WORK/timings"

say "1. Build kv 0.1.0, 0.2.0 and 0.3.0 (0.3.0's health check fails)"
if [ -z "${FLEET_RELEASES:-}" ]; then
    step=$(now_ms)
    "$REPO/scripts/fleet/releases.sh" "$RELEASES" || fail "building the releases failed"
    printf '    (%s ms)\n' "$(($(now_ms) - step))"
fi
for v in 0.1.0 0.2.0 0.3.0; do [ -f "$RELEASES/kv-$v.tar.gz" ] || fail "no $RELEASES/kv-$v.tar.gz"; done
ls -l "$RELEASES" | sed 's/^/    /'

say "2. Start $HOSTS hosts"
"$FLEET" up "$HOSTS" || fail "the fleet did not start"
sed 's/^/    | /' "$FLEET_DIR/inventory.ini"

say "3. Deploy kv 0.1.0 to every host"
playbook deploy deploy -e distill_version=0.1.0 -e "distill_tarball=$RELEASES/kv-0.1.0.tar.gz"
[ "$rc" -eq 0 ] || fail "the deploy failed"
n=1
while [ "$n" -le "$HOSTS" ]; do
    expect_versions "$n" 0.1.0 0.1.0
    eval "pid_$n=$(kv "$n" pid)"
    n=$((n + 1))
done
grep -q 'the release ships no systemd unit' "$WORK/deploy.out" || fail "the deploy does not say how it started the node"
echo "    every host runs 0.1.0 (the release ships no systemd unit: started with bin/kv start)"
playbook deploy-again deploy -e distill_version=0.1.0 -e "distill_tarball=$RELEASES/kv-0.1.0.tar.gz"
[ "$rc" -eq 0 ] || fail "the second deploy failed"
changed=$(grep -Ec '^host[0-9]+ +: ok=[0-9]+ +changed=0 ' "$WORK/deploy-again.out" || true)
[ "$changed" -eq "$HOSTS" ] || fail "the second deploy changed something (PLAY RECAP above)"
echo "    the same deploy again: changed=0 on every host"

say "4. A load of calls on every host"
n=1
while [ "$n" -le "$HOSTS" ]; do
    ip netns exec "dfleet-h$n" python3 "$REPO/scripts/fleet/load.py" "$(root "$n")/var/run/kv.sock" \
        "$WORK/stop" "$WORK/load-$n.json" 0.02 &
    n=$((n + 1))
done
sleep 2
echo "    one client per host: put, and every tenth call a get of an earlier write"

ROLL020="rolling_upgrade -e distill_version=0.2.0 -e distill_from=0.1.0 -e distill_tarball=$RELEASES/kv-0.2.0.tar.gz"

say "5. The pre-flight refuses a rollout from another version, or without the disk for it"
playbook preflight-version rolling_upgrade -e distill_version=0.2.0 -e distill_from=0.0.9 \
    -e "distill_tarball=$RELEASES/kv-0.2.0.tar.gz"
[ "$rc" -ne 0 ] || fail "the rollout from 0.0.9 passed the pre-flight"
[ "$(grep -c 'pre-flight: runs 0.1.0, expected 0.0.9' "$WORK/preflight-version.out")" -eq "$HOSTS" ] ||
    fail "the pre-flight does not name every host's version"
# shellcheck disable=SC2086
playbook preflight-disk $ROLL020 -e distill_disk_factor=1000000
[ "$rc" -ne 0 ] || fail "a rollout that needs 1,000,000 x the tarball's size passed the pre-flight"
grep -q 'bytes free in .*, the new release needs' "$WORK/preflight-disk.out" || fail "the pre-flight names no disk space"
n=1
while [ "$n" -le "$HOSTS" ]; do
    expect_versions "$n" 0.1.0 0.1.0
    [ ! -e "$(root "$n")/releases/0.2.0" ] || fail "host$n has releases/0.2.0 after a refused pre-flight"
    n=$((n + 1))
done
echo "    both refused before any host changed"

say "6. Roll out 0.2.0 one host at a time"
# shellcheck disable=SC2086
playbook roll-0.2.0 $ROLL020 -e "distill_health=$HEALTH" -e distill_soak=1
[ "$rc" -eq 0 ] || fail "the rollout of 0.2.0 failed"
expect_summary roll-0.2.0 upgraded
n=1
while [ "$n" -le "$HOSTS" ]; do expect_versions "$n" 0.2.0 0.2.0; n=$((n + 1)); done
timings roll-0.2.0

say "7. The same rollout again changes nothing"
# shellcheck disable=SC2086
playbook roll-0.2.0-again $ROLL020 -e "distill_health=$HEALTH" -e distill_soak=1
[ "$rc" -eq 0 ] || fail "the second rollout of 0.2.0 failed"
expect_summary roll-0.2.0-again unchanged
changed=$(grep -Ec '^host[0-9]+ +: ok=[0-9]+ +changed=0 ' "$WORK/roll-0.2.0-again.out" || true)
[ "$changed" -eq "$HOSTS" ] || fail "the second rollout changed something (PLAY RECAP above)"
echo "    changed=0 on every host"

say "8. Roll out 0.3.0, built to fail its health check"
playbook roll-0.3.0 rolling_upgrade -e distill_version=0.3.0 -e distill_from=0.2.0 \
    -e "distill_tarball=$RELEASES/kv-0.3.0.tar.gz" -e "distill_health=$HEALTH" -e distill_soak=1
[ "$rc" -ne 0 ] || fail "the rollout of 0.3.0 succeeded"
grep -q 'fatal: \[host1\]' "$WORK/roll-0.3.0.out" || fail "the failed play does not name host1"
grep -q 'upgrade 0.2.0 -> 0.3.0 failed (health_check_failed)' "$WORK/roll-0.3.0.out" ||
    grep -q 'upgrade 0.2.0 -> 0.3.0 failed' "$WORK/roll-0.3.0.out" || fail "host1's failure is not reported"
others="host2=not touched"
n=3
while [ "$n" -le "$HOSTS" ]; do others="$others,host$n=not touched"; n=$((n + 1)); done
expect_summary roll-0.3.0 "host1=rolled back,$others"
expect_versions 1 0.2.0 0.2.0
n=2
while [ "$n" -le "$HOSTS" ]; do
    expect_versions "$n" 0.2.0 0.2.0
    [ ! -e "$(root "$n")/releases/0.3.0" ] || fail "host$n has releases/0.3.0: it was touched"
    ls -a "$(root "$n")/releases" | grep -q 'upload' && fail "host$n has an upload: it was touched"
    n=$((n + 1))
done
echo "    host1 downgraded itself in place to 0.2.0 (same OS process); hosts 2-$HOSTS never touched"
timings roll-0.3.0

say "9. Roll every host back to 0.1.0, then remove the releases not in use"
playbook roll-0.1.0 rolling_downgrade -e distill_version=0.1.0
[ "$rc" -eq 0 ] || fail "the rollback to 0.1.0 failed"
expect_summary roll-0.1.0 downgraded
n=1
while [ "$n" -le "$HOSTS" ]; do expect_versions "$n" 0.1.0 0.1.0; n=$((n + 1)); done
timings roll-0.1.0
playbook remove remove -e distill_remove_old=true
[ "$rc" -eq 0 ] || fail "removing the old releases failed"
playbook remove-again remove -e distill_remove_old=true
changed=$(grep -Ec '^host[0-9]+ +: ok=[0-9]+ +changed=0 ' "$WORK/remove-again.out" || true)
[ "$changed" -eq "$HOSTS" ] || fail "the second removal changed something"
n=1
while [ "$n" -le "$HOSTS" ]; do
    left=$(kv "$n" versions --json | python3 -c '
import json, sys
print(" ".join(r["version"] + ":" + r["status"] for r in json.load(sys.stdin)["result"]))')
    [ "$left" = "0.1.0:permanent" ] || fail "host$n still has: $left"
    n=$((n + 1))
done
echo "    every host has one release left: 0.1.0, permanent and running"

say "10. Stop the load and read every acknowledged write back"
touch "$WORK/stop"
wait
total_calls=0
n=1
while [ "$n" -le "$HOSTS" ]; do
    [ -f "$WORK/load-$n.json" ] || fail "host$n's load client wrote no report"
    line=$(python3 - "$WORK/load-$n.json" "$n" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(r["calls"], r["failures"], r["acknowledged"], r["missing"], r["during_load"]["slowest_ms"],
      "; ".join(r["errors"][:3]) or "-")
EOF
)
    set -- $line
    printf '    host%s: %s calls, %s failed, %s writes acknowledged, %s missing, slowest call %s ms\n' \
        "$n" "$1" "$2" "$3" "$4" "$5"
    [ "$2" -eq 0 ] || fail "host$n: $2 calls failed: $line"
    [ "$4" -eq 0 ] || fail "host$n: $4 acknowledged writes are missing"
    [ "$3" -gt 0 ] || fail "host$n: no write was acknowledged"
    [ "$(kv "$n" pid)" = "$(eval echo "\$pid_$n")" ] || fail "host$n's node is another OS process"
    total_calls=$(($total_calls + $1))
    n=$((n + 1))
done
echo "    every node is the OS process it was at the first deploy"

say "Timings"
cat "$WORK/timings"
printf '\nfleet test: PASS (%s hosts, %s calls, 0 failed, every acknowledged write kept; %s ms in all)\n' \
    "$HOSTS" "$total_calls" "$(($(now_ms) - START))"
