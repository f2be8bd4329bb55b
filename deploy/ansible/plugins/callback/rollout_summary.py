#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#

DOCUMENTATION = r"""
name: rollout_summary
type: aggregate
short_description: A table of what a rollout did to each host, printed when the playbook ends
description:
  - Collects the C(distill) result of every swift_distill.release.distill_release upgrade and
    downgrade, and prints per host the old and new release, the time C(bin/REL upgrade)
    (or C(downgrade)) took and the outcome; hosts the rollout never reached are listed as
    C(not touched). Printed also when the play stops at a failed host (max_fail_percentage),
    when the playbook's later plays do not run.
  - Then the playbook's wall time, the sum of the hosts' install times, and the rollout's own
    overhead (the difference), in all and per host.
  - Enable it in ansible.cfg, C(callbacks_enabled = swift_distill.release.rollout_summary).
    With C(DISTILL_ROLLOUT_JSON=FILE) it also writes the summary to FILE as JSON.
requirements: []
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "swift_distill.release.rollout_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.started = time.monotonic()
        self.hosts = []
        self.results = {}

    def v2_playbook_on_play_start(self, play):
        manager = play.get_variable_manager()
        inventory = getattr(manager, "_inventory", None)
        if inventory is not None:
            # Every host of the play, not only the current serial batch's.
            for host in inventory.get_hosts(play.hosts, ignore_restrictions=True):
                if host.name not in self.hosts:
                    self.hosts.append(host.name)

    def record(self, result):
        distill = result._result.get("distill")
        if isinstance(distill, dict) and distill.get("action") in ("upgrade", "downgrade"):
            self.results[result._host.get_name()] = distill

    def v2_runner_on_ok(self, result):
        self.record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.record(result)

    def v2_runner_on_unreachable(self, result):
        host = result._host.get_name()
        if host not in self.results:
            self.results[host] = {"action": "unreachable", "outcome": "unreachable", "seconds": 0.0,
                                  "error": result._result.get("msg", "")}

    def v2_playbook_on_stats(self, stats):
        if not self.results:
            return
        wall = time.monotonic() - self.started
        rows = []
        for host in self.hosts:
            entry = self.results.get(host)
            if entry is None:
                rows.append({"host": host, "old": None, "new": None, "seconds": None, "outcome": "not touched"})
            else:
                rows.append(
                    {
                        "host": host,
                        "action": entry["action"],
                        "old": entry.get("old"),
                        "new": entry.get("new"),
                        "target": entry.get("target"),
                        "seconds": entry.get("seconds", 0.0),
                        "outcome": entry.get("outcome"),
                        "error": entry.get("error"),
                        "started_at": entry.get("started_at"),
                        "ended_at": entry.get("ended_at"),
                    }
                )
        installs = sum(row["seconds"] or 0.0 for row in rows)
        reached = sum(1 for row in rows if row["outcome"] != "not touched") or 1
        overhead = wall - installs
        self._display.banner("ROLLOUT SUMMARY")
        width = max(len(row["host"]) for row in rows)
        for row in rows:
            if row["outcome"] == "unreachable":
                line = f"{row['host']:<{width}}  {'':<18}  {'':>9}  unreachable: {row['error']}"
            elif row["outcome"] == "not touched":
                line = f"{row['host']:<{width}}  {'':<18}  {'':>9}  not touched"
            else:
                versions = f"{row['old']} -> {row['target']}"
                line = f"{row['host']:<{width}}  {versions:<18}  {row['seconds']:>7.3f} s  {row['outcome']}"
                if row["outcome"] == "rolled back":
                    line += f" to {row['new']} ({row['error']})"
                elif row["outcome"] == "refused":
                    line += f", still on {row['new']} ({row['error']})"
                elif row["outcome"] == "failed":
                    line += f": runs {row['new']} ({row['error']})"
            color = "red" if row["outcome"] in ("rolled back", "refused", "failed", "unexpected version", "not running", "unreachable") else None
            self._display.display(line, color=color)
        self._display.display(
            f"wall time {wall:.2f} s; bin/REL upgrade/downgrade {installs:.2f} s in all; "
            f"rollout overhead {overhead:.2f} s ({overhead / reached:.2f} s per host reached, {reached} hosts)"
        )
        path = os.environ.get("DISTILL_ROLLOUT_JSON")
        if path:
            with open(path, "w") as file:
                json.dump({"wall_seconds": wall, "install_seconds": installs, "hosts": rows}, file)
