#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#

DOCUMENTATION = r"""
module: distill_release
short_description: Drive a swift-distill release node through its bin/REL script
description:
  - Runs on the controller (its action plugin, plugins/action/distill_release.py); each step is
    one shell command on the host over the task's connection, and it needs no Python on the host.
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
      - C(versions) reads the releases (also when the node is down) and sets them as the fact
        C(distill_release); with I(expect_from) and I(version), or I(src), it is a rollout's
        pre-flight and fails a host that runs neither I(expect_from) nor I(version), or lacks
        the disk for the new release;
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
      - The new release's tarball on the controller.
      - For C(upgraded), uploaded to the host (unless it already runs I(version) as permanent)
        and moved to C(releases/VERSION/NAME.tar.gz), where C(bin/REL upgrade) reads it.
      - For C(versions), the pre-flight's disk check needs I(disk_factor) times its size free
        in the release root's file system (unless the node runs I(version) already).
    type: path
  disk_factor: {description: See I(src)., type: float, default: 4}
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

