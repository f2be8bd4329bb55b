#!/usr/bin/python
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#

DOCUMENTATION = r"""
module: distill_release
short_description: Drive a swift-distill release node through its bin/REL script
description:
  - Reads a node's releases, starts it, hot-upgrades or downgrades it, removes old releases,
    by running C(bin/REL COMMAND --json) in the release root and reading its JSON reply.
  - Idempotent. An upgrade to the release the node already runs as permanent, a downgrade
    to the one it runs, a removal of a release it does not have change nothing.
  - A failed upgrade leaves the node on its old release (the node's release handler rolls a
    failed install back and downgrades in place after a failed health check) and fails the host.
options:
  root: {description: The release root (where bin/REL is)., type: path, required: true}
  name: {description: The release name (bin/NAME)., type: str, required: true}
  state:
    description:
      - C(versions) reads the releases (also when the node is down); with I(expect_from) and
        I(version), or I(src), it is a rollout's pre-flight and fails a host that runs neither
        I(expect_from) nor I(version), or lacks the disk for the new release;
      - C(started) starts the node unless it answers C(ping), then waits for C(ping);
      - C(upgraded) runs C(bin/REL upgrade VERSION) unless VERSION already runs as permanent;
      - C(downgraded) runs C(bin/REL downgrade VERSION) unless VERSION already runs as permanent;
      - C(removed) removes the VERSIONS given, or with I(old=true) every old or unpacked release.
    choices: [versions, started, upgraded, downgraded, removed]
    default: versions
  version: {description: The release to upgrade or downgrade to., type: str}
  expect_from:
    description: Refuse to upgrade unless the node runs this release (or already runs I(version)).
    type: str
  health: {description: "C(--health): a shell command run in the release root after the install.", type: str}
  soak: {description: "C(--soak): seconds to keep checking health.", type: float, default: 0}
  permanent: {description: Make the new release permanent (C(--no-permanent) if false)., type: bool, default: true}
  src:
    description:
      - For C(upgraded), the release tarball on the controller. The action plugin uploads it
        (unless the host's facts say it runs I(version) already) and passes it as I(tarball).
    type: path
  tarball:
    description:
      - For C(upgraded), a tarball on the host, moved to C(releases/VERSION/NAME.tar.gz)
        (where C(bin/REL upgrade) reads it) before the upgrade.
    type: path
  tarball_bytes:
    description:
      - For C(versions), the size of the new release's tarball (the action plugin sets it from
        I(src)): fails unless the root's file system has I(disk_factor) times that free, or the
        node runs I(version) already.
    type: int
  disk_factor: {description: See I(tarball_bytes)., type: float, default: 4}
  versions: {description: The releases to remove., type: list, elements: str, default: []}
  old: {description: Remove every old or unpacked release., type: bool, default: false}
  timeout: {description: Seconds to wait for C(ping) after C(start)., type: float, default: 30}
"""

EXAMPLES = r"""
- swift_distill.release.distill_release:
    root: /srv/kv
    name: kv
    state: upgraded
    version: 0.2.0
    src: _build/prod/rel/kv/releases/0.2.0/kv.tar.gz
    expect_from: 0.1.0
    health: "releases/$DISTILL_RELEASE_VSN/commands/health.sh"
    soak: 5
"""

RETURN = r"""
release:
  description: The node's releases after the command (C(running) is null when the node is down).
  returned: always
  type: dict
  sample: {name: kv, root: /srv/kv, running: 0.2.0, permanent: 0.2.0, current: 0.2.0,
           releases: [{version: 0.2.0, status: permanent, running: true}], free_bytes: 1000000}
distill:
  description: For upgraded and downgraded, what happened (the rollout summary reads it).
  returned: state is upgraded or downgraded
  type: dict
  sample: {action: upgrade, old: 0.1.0, new: 0.2.0, target: 0.2.0, seconds: 0.41, outcome: upgraded}
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule


class Node:
    """A release root and its bin/NAME."""

    def __init__(self, module, root, name):
        self.module = module
        self.root = root
        self.name = name
        self.script = os.path.join(root, "bin", name)

    def run(self, *arguments):
        """(seconds, exit status, the JSON reply or None, stdout, stderr) of bin/NAME ARGUMENTS --json."""
        started = time.monotonic()
        status, out, err = self.module.run_command([self.script] + list(arguments) + ["--json"], cwd=self.root)
        seconds = time.monotonic() - started
        reply = None
        for line in reversed(out.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    reply = json.loads(line)
                    break
                except ValueError:
                    pass
        return seconds, status, reply, out, err

    def permanent_on_disk(self):
        """The release start_erl.data boots (`ERTS_VSN REL_VSN`)."""
        try:
            with open(os.path.join(self.root, "releases", "start_erl.data")) as file:
                fields = file.read().split()
            return fields[1] if len(fields) == 2 else None
        except OSError:
            return None

    def versions(self):
        """The releases as a dict; `running` is None when the node does not answer."""
        if not os.path.exists(self.script):
            self.module.fail_json(msg=f"{self.script} does not exist: deploy the release first")
        _, status, reply, out, err = self.run("versions")
        info = {"name": self.name, "root": self.root, "running": None, "permanent": None, "current": None}
        if status == 0 and reply and reply.get("ok"):
            releases = reply["result"]
            info["releases"] = releases
            for release in releases:
                if release.get("running"):
                    info["running"] = release["version"]
                if release.get("status") == "permanent":
                    info["permanent"] = release["version"]
                if release.get("status") == "current":
                    info["current"] = release["version"]
            if info["current"] is None:
                info["current"] = info["running"]
        elif status == 3:  # the node is not running
            info["releases"] = []
            info["permanent"] = self.permanent_on_disk()
        else:
            self.module.fail_json(msg=f"{self.script} versions failed (status {status}): {err or out}", release=info)
        stats = os.statvfs(self.root)
        info["free_bytes"] = stats.f_bavail * stats.f_frsize
        return info


def error_text(reply, out, err):
    if reply and not reply.get("ok") and isinstance(reply.get("error"), dict):
        return reply["error"].get("code", "error"), reply["error"].get("message", "")
    return "error", (err or out).strip()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            name=dict(type="str", required=True),
            state=dict(type="str", default="versions", choices=["versions", "started", "upgraded", "downgraded", "removed"]),
            version=dict(type="str"),
            expect_from=dict(type="str"),
            health=dict(type="str"),
            soak=dict(type="float", default=0),
            permanent=dict(type="bool", default=True),
            tarball=dict(type="path"),
            tarball_bytes=dict(type="int"),
            disk_factor=dict(type="float", default=4),
            versions=dict(type="list", elements="str", default=[]),
            old=dict(type="bool", default=False),
            timeout=dict(type="float", default=30),
        ),
        required_if=[("state", "upgraded", ["version"]), ("state", "downgraded", ["version"])],
        supports_check_mode=True,
    )
    p = module.params
    node = Node(module, p["root"], p["name"])

    def done(changed, release, **extra):
        module.exit_json(changed=changed, release=release, ansible_facts={"distill_release": release}, **extra)

    state = p["state"]
    before = node.versions()

    if state == "versions":
        version, expected = p["version"], p["expect_from"]
        if (expected or p["tarball_bytes"]) and before["running"] is None:
            module.fail_json(msg=f"pre-flight: the node in {p['root']} is not running", release=before)
        if expected and version and before["running"] not in (expected, version):
            module.fail_json(
                msg=f"pre-flight: runs {before['running']}, expected {expected} (or {version} already)",
                release=before,
            )
        if p["tarball_bytes"] and before["running"] != version:
            needed = int(p["tarball_bytes"] * p["disk_factor"])
            if before["free_bytes"] < needed:
                module.fail_json(
                    msg=f"pre-flight: {before['free_bytes']} bytes free in {p['root']}, the new release needs "
                    f"{needed} ({p['disk_factor']:g} x its tarball's {p['tarball_bytes']})",
                    release=before,
                )
        done(False, before)

    if state == "started":
        if before["running"] is not None:
            done(False, before)
        if module.check_mode:
            done(True, before)
        _, status, reply, out, err = node.run("start")
        if status != 0:
            code, message = error_text(reply, out, err)
            module.fail_json(msg=f"bin/{p['name']} start failed ({code}): {message}", release=before)
        deadline = time.monotonic() + p["timeout"]
        while node.run("ping")[1] != 0:
            if time.monotonic() > deadline:
                module.fail_json(msg=f"the node does not answer ping {p['timeout']} s after start", release=before)
            time.sleep(0.05)
        done(True, node.versions())

    if state == "removed":
        known = {release["version"]: release for release in before.get("releases", [])}
        if before["running"] is None:
            module.fail_json(msg="the node is not running: start it to remove releases", release=before)
        targets = list(p["versions"])
        if p["old"]:
            targets += [v for v, r in known.items() if r["status"] in ("old", "unpacked") and v not in targets]
        removed = []
        for version in targets:
            release = known.get(version)
            if release is None:
                continue
            if release["status"] == "permanent" or release.get("running"):
                module.fail_json(msg=f"{version} is {release['status']}{' and running' if release.get('running') else ''}: "
                                 "it cannot be removed", release=before)
            if not module.check_mode:
                _, status, reply, out, err = node.run("remove", version)
                if status != 0:
                    code, message = error_text(reply, out, err)
                    module.fail_json(msg=f"bin/{p['name']} remove {version} failed ({code}): {message}", removed=removed)
            removed.append(version)
        done(bool(removed), node.versions(), removed=removed)

    # upgraded, downgraded
    target = p["version"]
    action = "upgrade" if state == "upgraded" else "downgrade"
    old = before["running"]
    summary = {"action": action, "old": old, "new": old, "target": target, "seconds": 0.0}
    if old is None:
        module.fail_json(msg="the node is not running", release=before, distill=dict(summary, outcome="not running"))
    staged = p["tarball"] if action == "upgrade" and p["tarball"] and os.path.exists(p["tarball"]) else None
    if old == target and before["permanent"] == target:
        if staged and not module.check_mode:
            os.remove(staged)
        done(False, before, distill=dict(summary, outcome="unchanged"))
    if action == "upgrade" and p["expect_from"] and old not in (p["expect_from"], target):
        module.fail_json(
            msg=f"runs {old}, expected {p['expect_from']}: not upgraded", release=before,
            distill=dict(summary, outcome="unexpected version"),
        )
    if module.check_mode:
        done(True, before, distill=dict(summary, new=target, outcome="would " + action))
    if staged:
        directory = os.path.join(p["root"], "releases", target)
        os.makedirs(directory, exist_ok=True)
        os.replace(staged, os.path.join(directory, p["name"] + ".tar.gz"))
    arguments = [action, target]
    if action == "upgrade":
        if p["health"]:
            arguments += ["--health", p["health"]]
        if p["soak"]:
            arguments += ["--soak", str(p["soak"])]
        if not p["permanent"]:
            arguments.append("--no-permanent")
    started_at = time.time()
    seconds, status, reply, out, err = node.run(*arguments)
    after = node.versions()
    summary.update(new=after["running"], seconds=round(seconds, 3), started_at=started_at, ended_at=started_at + seconds)
    if status == 0 and reply and reply.get("ok"):
        result = reply.get("result")
        log = result.get("log", []) if isinstance(result, dict) else []
        outcome = "upgraded" if action == "upgrade" else "downgraded"
        done(True, after, log=log, result=result, distill=dict(summary, outcome=outcome))
    code, message = error_text(reply, out, err)
    if after["running"] == old:
        outcome = "rolled back"
        where = f"the node still runs {old}"
    else:
        outcome = "failed"
        where = f"the node runs {after['running']}"
    module.fail_json(
        msg=f"{action} {old} -> {target} failed ({code}): {message}; {where}",
        release=after, error={"code": code, "message": message}, rc=status,
        distill=dict(summary, outcome=outcome, error=code),
    )


if __name__ == "__main__":
    main()
