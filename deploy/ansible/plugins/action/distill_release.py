#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
"""swift_distill.release.distill_release: drives a node through its bin/REL script.

Everything runs from the controller: each step is one shell command over the task's
connection (`bin/REL versions --json`, `bin/REL upgrade ... --json`), and the tarball one
upload, so a host needs no Python and a rollout's cost per host is a few SSH round trips
over the connection Ansible keeps open. The options and results are documented with the
module (plugins/modules/distill_release.py).
"""

import json
import os
import shlex

from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = dict(
    root=dict(type="path", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", default="versions", choices=["versions", "started", "upgraded", "downgraded", "removed"]),
    version=dict(type="str"),
    expect_from=dict(type="str"),
    src=dict(type="path"),
    health=dict(type="str"),
    soak=dict(type="float", default=0),
    permanent=dict(type="bool", default=True),
    disk_factor=dict(type="float", default=4),
    versions=dict(type="list", elements="str", default=[]),
    old=dict(type="bool", default=False),
    timeout=dict(type="float", default=30),
)


class Failed(Exception):
    """Fails the task with `message` and the result's `fields`."""

    def __init__(self, message, **fields):
        super().__init__(message)
        self.fields = fields


def marked(stdout):
    """The `@@KEY VALUE` lines of a command's output, and the JSON line before `@@status`."""
    marks = {}
    reply = None
    for line in stdout.splitlines():
        if line.startswith("@@"):
            key, _, value = line[2:].partition(" ")
            marks[key] = value
        elif line.startswith("{") and "status" not in marks:
            try:
                reply = json.loads(line)
            except ValueError:
                pass
    return marks, reply


def releases_info(root, name, marks, reply):
    """The node's releases from `versions`' marks: `running` is None when the node is down."""
    info = {"name": name, "root": root, "running": None, "permanent": None, "current": None, "releases": []}
    if marks.get("status") == "0" and reply and reply.get("ok"):
        info["releases"] = reply["result"]
        for release in info["releases"]:
            if release.get("running"):
                info["running"] = release["version"]
            if release.get("status") == "permanent":
                info["permanent"] = release["version"]
            if release.get("status") == "current":
                info["current"] = release["version"]
        info["current"] = info["current"] or info["running"]
    elif marks.get("status") == "3":  # the node is not running: start_erl.data names what boots
        fields = marks.get("start_erl", "").split()
        info["permanent"] = fields[1] if len(fields) == 2 else None
    else:
        raise Failed(f"{root}/bin/{name} versions failed (status {marks.get('status')})", release=info)
    info["free_bytes"] = int(marks.get("free_kb", "0") or 0) * 1024
    return info


def error_of(reply, stdout, stderr):
    """(code, message) of a failed command's JSON reply, or of its output."""
    if reply and not reply.get("ok") and isinstance(reply.get("error"), dict):
        return reply["error"].get("code", "error"), reply["error"].get("message", "")
    return "error", (stderr or stdout).strip()


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        self.root = args["root"]
        self.name = args["name"]
        self.quoted_root = shlex.quote(self.root)
        try:
            result.update(self.perform(args))
        except Failed as failure:
            result.update(failure.fields, failed=True, msg=str(failure))
        if "release" in result and not result.get("failed"):
            result["ansible_facts"] = {"distill_release": result["release"]}
        return result

    # MARK: - Commands on the host

    def shell(self, script):
        """Runs `script` in the release root over the task's connection."""
        command = f"cd {self.quoted_root} || exit 97\n{script}"
        outcome = self._low_level_execute_command(f"/bin/sh -c {shlex.quote(command)}")
        if outcome.get("rc") == 97:
            raise Failed(f"no release root {self.root} on this host")
        return outcome.get("stdout", ""), outcome.get("stderr", "")

    def script(self, *arguments):
        return " ".join(shlex.quote(a) for a in [f"bin/{self.name}", *arguments, "--json"])

    VERSIONS = (
        "echo; {versions}; status=$?; echo; echo \"@@status $status\"\n"
        "echo \"@@free_kb $(df -Pk . | awk 'NR == 2 {{ print $4 }}')\"\n"
        "echo \"@@start_erl $(cat releases/start_erl.data 2>/dev/null)\"\n"
    )

    def versions(self):
        stdout, _ = self.shell(
            f"test -x bin/{shlex.quote(self.name)} || {{ echo @@missing; exit 0; }}\n"
            + self.VERSIONS.format(versions=self.script("versions"))
        )
        marks, reply = marked(stdout)
        if "missing" in marks:
            raise Failed(f"{self.root}/bin/{self.name} does not exist: deploy the release first")
        return releases_info(self.root, self.name, marks, reply)

    def timed(self, arguments, before=""):
        """Runs `before` (exit 98 if it fails), then bin/NAME ARGUMENTS --json timed on the
        host, then `versions`: ((start, end) in seconds since the epoch on the host's clock,
        status, reply, output, releases after)."""
        stdout, stderr = self.shell(
            f"{before or ':'} || {{ echo '@@command 98'; exit 0; }}\nstarted=$(date +%s%N)\necho; {self.script(*arguments)}; status=$?\n"
            f"ended=$(date +%s%N)\necho; echo \"@@command $status\"; echo \"@@time $started $ended\"\n"
            "echo '@@after'\n" + self.VERSIONS.format(versions=self.script("versions"))
        )
        command, _, after = stdout.partition("@@after")
        command_marks, reply = marked(command.replace("@@command", "@@status"))
        status = int(command_marks.get("status", "-1"))
        if status == 98:
            return (0, 0), status, reply, stdout + stderr, None
        started, _, ended = command_marks.get("time", "0 0").partition(" ")
        releases = releases_info(self.root, self.name, *marked(after))
        return (int(started) / 1e9, int(ended) / 1e9), status, reply, stdout + stderr, releases

    # MARK: - States

    def perform(self, args):
        state = args["state"]
        before = self.versions()
        check = self._play_context.check_mode
        if state == "versions":
            return self.preflight(args, before)
        if state == "started":
            return self.start(args, before, check)
        if state == "removed":
            return self.remove(args, before, check)
        return self.change(args, before, check)

    def preflight(self, args, before):
        version, expected = args["version"], args["expect_from"]
        if (expected or args["src"]) and before["running"] is None:
            raise Failed(f"pre-flight: the node in {self.root} is not running", release=before)
        if expected and version and before["running"] not in (expected, version):
            raise Failed(
                f"pre-flight: runs {before['running']}, expected {expected} (or {version} already)", release=before
            )
        if args["src"] and before["running"] != version:
            size = os.path.getsize(self.tarball(args["src"]))
            needed = int(size * args["disk_factor"])
            if before["free_bytes"] < needed:
                raise Failed(
                    f"pre-flight: {before['free_bytes']} bytes free in {self.root}, the new release needs "
                    f"{needed} ({args['disk_factor']:g} x its tarball's {size})",
                    release=before,
                )
        return {"changed": False, "release": before}

    def start(self, args, before, check):
        if before["running"] is not None or check:
            return {"changed": before["running"] is None, "release": before}
        tries = int(args["timeout"] / 0.05)
        name = shlex.quote(self.name)
        stdout, stderr = self.shell(
            f"echo; {self.script('start')}; status=$?; echo; echo \"@@status $status\"\n"
            f"i=0; until bin/{name} ping >/dev/null 2>&1; do\n"
            f"  i=$((i + 1)); [ $i -lt {tries} ] || {{ echo @@timeout; exit 0; }}; sleep 0.05\ndone; echo @@up\n"
        )
        marks, reply = marked(stdout)
        if marks.get("status") != "0":
            code, message = error_of(reply, stdout, stderr)
            raise Failed(f"bin/{self.name} start failed ({code}): {message}", release=before)
        if "up" not in marks:
            raise Failed(f"the node does not answer ping {args['timeout']:g} s after start", release=before)
        return {"changed": True, "release": self.versions()}

    def remove(self, args, before, check):
        if before["running"] is None:
            raise Failed("the node is not running: start it to remove releases", release=before)
        known = {release["version"]: release for release in before["releases"]}
        targets = list(args["versions"])
        if args["old"]:
            targets += [v for v, r in known.items() if r["status"] in ("old", "unpacked") and v not in targets]
        removed = []
        for version in [v for v in targets if v in known]:
            release = known[version]
            if release["status"] == "permanent" or release.get("running"):
                raise Failed(f"{version} is {release['status']}: it cannot be removed", release=before)
            if not check:
                _, status, reply, output, _ = self.timed(["remove", version])
                if status != 0:
                    code, message = error_of(reply, output, "")
                    raise Failed(f"bin/{self.name} remove {version} failed ({code}): {message}", removed=removed)
            removed.append(version)
        return {"changed": bool(removed), "removed": removed, "release": self.versions() if removed else before}

    def change(self, args, before, check):
        """upgraded, downgraded."""
        target = args["version"]
        if not target:
            raise Failed(f"state {args['state']} needs a version")
        action = "upgrade" if args["state"] == "upgraded" else "downgrade"
        old = before["running"]
        summary = {"action": action, "old": old, "new": old, "target": target, "seconds": 0.0}
        if old is None:
            raise Failed("the node is not running", release=before, distill=dict(summary, outcome="not running"))
        if old == target and before["permanent"] == target:
            return {"changed": False, "release": before, "distill": dict(summary, outcome="unchanged")}
        if action == "upgrade" and args["expect_from"] and old not in (args["expect_from"], target):
            raise Failed(
                f"runs {old}, expected {args['expect_from']}: not upgraded",
                release=before,
                distill=dict(summary, outcome="unexpected version"),
            )
        if check:
            return {"changed": True, "release": before, "distill": dict(summary, new=target, outcome="would " + action)}
        arguments = [action, target]
        before_command = ""
        if action == "upgrade":
            if args["health"]:
                arguments += ["--health", args["health"]]
            if args["soak"]:
                arguments += ["--soak", f"{args['soak']:g}"]
            if not args["permanent"]:
                arguments.append("--no-permanent")
            if args["src"]:
                upload = f"{self.root}/releases/.{self.name}-{target}.tar.gz.upload"
                self._transfer_file(self.tarball(args["src"]), upload)
                directory = shlex.quote(f"releases/{target}")
                before_command = (
                    f"mkdir -p {directory} && mv -f {shlex.quote(upload)} {directory}/{shlex.quote(self.name)}.tar.gz"
                )
        (started_at, ended_at), status, reply, output, after = self.timed(arguments, before=before_command)
        if status == 98:
            raise Failed(f"cannot move the upload to {self.root}/releases/{target}/: {output.strip()}", release=before)
        summary.update(
            new=after["running"], seconds=round(ended_at - started_at, 3), started_at=started_at, ended_at=ended_at
        )
        if status == 0 and reply and reply.get("ok"):
            result = reply.get("result")
            log = result.get("log", []) if isinstance(result, dict) else []
            outcome = "upgraded" if action == "upgrade" else "downgraded"
            return {"changed": True, "release": after, "log": log, "result": result,
                    "distill": dict(summary, outcome=outcome)}
        code, message = error_of(reply, output, "")
        if after["running"] == old:
            # Rolled back: the new release was installed, then taken back (a failed instruction,
            # health check or post_upgrade hook). Refused: the node changed nothing (a bad
            # tarball, a failed pre_upgrade hook, busy).
            undone = code in ("health_check_failed", "instruction_failed") or "downgrad" in message
            outcome, where = ("rolled back" if undone else "refused"), f"the node still runs {old}"
        else:
            outcome, where = "failed", f"the node runs {after['running']}"
        raise Failed(
            f"{action} {old} -> {target} failed ({code}): {message}; {where}",
            release=after,
            error={"code": code, "message": message},
            rc=status,
            distill=dict(summary, outcome=outcome, error=code),
        )

    # MARK: - Helpers

    def tarball(self, source):
        """The controller's path of the tarball `source`; fails naming it if there is none."""
        try:
            path = self._find_needle("files", source)
        except Exception as error:
            raise Failed(f"no release tarball at {source}: {error}")
        if not os.path.isfile(path):
            raise Failed(f"the release tarball {source} is not a file")
        return path

