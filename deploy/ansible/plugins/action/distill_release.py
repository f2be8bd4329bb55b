#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
"""The controller side of swift_distill.release.distill_release.

With C(src) (a tarball on the controller) and C(state: versions), passes the tarball's size
to the module (the pre-flight's disk check). With C(src) and C(state: upgraded), uploads the tarball to the
host over the task's connection, to C(ROOT/releases/.NAME-VERSION.tar.gz.upload), and passes
it to the module as C(tarball); the module moves it to C(releases/VERSION/NAME.tar.gz) and
upgrades. One upload and one module run per host: a rollout's cost per host is its SSH round
trips. A host whose C(distill_release) facts (the versions role, the rollout's pre-flight)
say it already runs VERSION as permanent gets no upload; the module checks again anyway.
"""

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        source = args.pop("src", None)
        if source and args.get("state", "versions") == "versions":
            # The pre-flight: the module compares the free space with the tarball's size.
            args["tarball_bytes"] = os.path.getsize(self._tarball(source))
        elif source and args.get("state") == "upgraded":
            version = args.get("version")
            facts = task_vars.get("ansible_facts", {}).get("distill_release") or {}
            if not (facts.get("running") == version and facts.get("permanent") == version):
                source = self._tarball(source)
                destination = os.path.join(
                    args["root"], "releases", f".{args['name']}-{version}.tar.gz.upload"
                )
                self._transfer_file(source, destination)
                args["tarball"] = destination
        result.update(
            self._execute_module(
                module_name="swift_distill.release.distill_release", module_args=args, task_vars=task_vars
            )
        )
        return result

    def _tarball(self, source):
        """The controller's path of the tarball `source`; fails naming it if there is none."""
        try:
            path = self._find_needle("files", source)
        except Exception as error:
            raise AnsibleActionFail(f"no release tarball at {source}: {error}")
        if not os.path.isfile(path):
            raise AnsibleActionFail(f"the release tarball {source} is not a file")
        return path
