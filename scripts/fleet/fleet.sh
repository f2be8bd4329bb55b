#!/bin/sh
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
#
# A fleet of hosts on this machine, for the Ansible collection's tests: each host is a Linux
# network namespace with its own address and its own sshd, and Ansible reaches it over SSH
# as it would a real host. Nothing is added to the machine's own network namespace:
#
#   namespace dfleet-ctl     the controller: bridge br0, 10.213.0.1/24; Ansible runs here
#   namespace dfleet-hN      host N: eth0 (a veth whose peer is on br0), 10.213.0.(10+N)/24,
#                            sshd on port 22 of that address, root login with the fleet's key
#
# Every host has its own release root, $FLEET_DIR/hostN/kv (the hosts share the file system,
# each root is its own). The fleet's SSH key, sshd configurations, Ansible inventory and
# ansible.cfg are generated in $FLEET_DIR.
#
# Usage: scripts/fleet/fleet.sh up [N]     start N hosts (default 5; an existing fleet is torn down first)
#        scripts/fleet/fleet.sh down       stop the hosts' kv nodes and sshds, delete the namespaces
#        scripts/fleet/fleet.sh ansible-playbook ARGS...   run a command in the controller namespace
#                                           with the fleet's ansible.cfg
# Environment: FLEET_DIR (default /tmp/fleet). Needs root, iproute2, openssh-server, ansible-core.
set -eu

FLEET_DIR=${FLEET_DIR:-/tmp/fleet}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CTL=dfleet-ctl
SUBNET=10.213.0
SSHD=/usr/sbin/sshd

say() { printf 'fleet: %s\n' "$*"; }
die() { printf 'fleet: %s\n' "$*" >&2; exit 1; }

host_count() { cat "$FLEET_DIR/hosts" 2>/dev/null || echo 0; }

down() {
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^dfleet-h[0-9]*$' || true); do
        n=${ns#dfleet-h}
        kv=$FLEET_DIR/host$n/kv/bin/kv
        if [ -x "$kv" ]; then "$kv" stop >/dev/null 2>&1 || true; fi
        if [ -f "$FLEET_DIR/host$n/sshd.pid" ]; then kill "$(cat "$FLEET_DIR/host$n/sshd.pid")" 2>/dev/null || true; fi
        # Whatever else still runs in the host's namespace (a node that would not stop, a
        # session sshd forked) was started there by this harness: end it by its pid.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns delete "$ns"
    done
    if ip netns list 2>/dev/null | grep -q "^$CTL\\b"; then
        # Ansible's SSH control masters (ControlPersist) run in the controller namespace.
        for pid in $(ip netns pids "$CTL" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
        ip netns delete "$CTL"
    fi
    rm -f "$FLEET_DIR/hosts"
}

up() {
    count=${1:-5}
    [ "$(id -u)" -eq 0 ] || die "needs root (ip netns, sshd)"
    [ -x "$SSHD" ] || die "no $SSHD: install openssh-server"
    command -v ansible-playbook >/dev/null || die "no ansible-playbook: install ansible-core"
    down
    mkdir -p "$FLEET_DIR" /run/sshd "$FLEET_DIR/cp"
    chmod 700 "$FLEET_DIR/cp"
    [ -f "$FLEET_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C fleet -f "$FLEET_DIR/id_ed25519"
    cp "$FLEET_DIR/id_ed25519.pub" "$FLEET_DIR/authorized_keys"
    chmod 600 "$FLEET_DIR/authorized_keys"

    ip netns add "$CTL"
    ip -n "$CTL" link set lo up
    ip -n "$CTL" link add br0 type bridge
    ip -n "$CTL" addr add "$SUBNET.1/24" dev br0
    ip -n "$CTL" link set br0 up

    inventory=$FLEET_DIR/inventory.ini
    printf '[kv]\n' > "$inventory"
    n=1
    while [ "$n" -le "$count" ]; do
        ns=dfleet-h$n
        address=$SUBNET.$((10 + n))
        dir=$FLEET_DIR/host$n
        rm -rf "$dir"
        mkdir -p "$dir"
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        # Both ends are created inside namespaces of the fleet, never in the machine's own.
        ip link add name eth0 netns "$ns" type veth peer name "v$n" netns "$CTL"
        ip -n "$CTL" link set "v$n" master br0 up
        ip -n "$ns" addr add "$address/24" dev eth0
        ip -n "$ns" link set eth0 up
        ssh-keygen -q -t ed25519 -N '' -C "host$n" -f "$dir/host_key"
        cat > "$dir/sshd_config" <<EOF
ListenAddress $address
Port 22
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $FLEET_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 50
MaxStartups 50:30:100
Subsystem sftp internal-sftp
EOF
        ip netns exec "$ns" "$SSHD" -f "$dir/sshd_config" -E "$dir/sshd.log"
        printf 'host%s ansible_host=%s distill_root=%s/kv\n' "$n" "$address" "$dir" >> "$inventory"
        n=$((n + 1))
    done
    cat >> "$inventory" <<EOF

[kv:vars]
ansible_user=root
ansible_ssh_private_key_file=$FLEET_DIR/id_ed25519
ansible_python_interpreter=/usr/bin/python3
EOF
    cat > "$FLEET_DIR/ansible.cfg" <<EOF
[defaults]
inventory = $inventory
collections_path = $FLEET_DIR/collections
callbacks_enabled = swift_distill.release.rollout_summary
host_key_checking = False
forks = 10
interpreter_python = /usr/bin/python3
retry_files_enabled = False

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=300s -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
control_path_dir = $FLEET_DIR/cp
EOF
    # The collection, installed from the checkout as a user installs it.
    rm -rf "$FLEET_DIR/collections"
    ANSIBLE_CONFIG=$FLEET_DIR/ansible.cfg \
        ansible-galaxy collection install --force -p "$FLEET_DIR/collections" "$REPO/deploy/ansible" >/dev/null
    echo "$count" > "$FLEET_DIR/hosts"

    # Every sshd answers before `up` returns.
    n=1
    while [ "$n" -le "$count" ]; do
        tries=0
        until ip netns exec "$CTL" ssh -q -i "$FLEET_DIR/id_ed25519" -o BatchMode=yes \
            -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 \
            "root@$SUBNET.$((10 + n))" true; do
            tries=$((tries + 1))
            [ "$tries" -lt 50 ] || die "host$n's sshd does not answer (log: $FLEET_DIR/host$n/sshd.log)"
            sleep 0.1
        done
        n=$((n + 1))
    done
    say "$count hosts up: $SUBNET.11-$SUBNET.$((10 + count)), inventory $inventory"
}

# Runs a command in the controller namespace with the fleet's ansible.cfg.
in_controller() {
    [ "$(host_count)" -gt 0 ] || die "no fleet is up (scripts/fleet/fleet.sh up)"
    ANSIBLE_CONFIG=$FLEET_DIR/ansible.cfg exec ip netns exec "$CTL" "$@"
}

case ${1:-} in
up) shift; up "$@" ;;
down) down; say "down" ;;
ansible-playbook | ansible | ssh) in_controller "$@" ;;
*) die "usage: scripts/fleet/fleet.sh up [N] | down | ansible-playbook ARGS... | ansible ARGS..." ;;
esac
