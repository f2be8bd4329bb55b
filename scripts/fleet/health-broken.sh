#!/bin/sh
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
#
# The health check of the fleet test's bad release (kv 0.3.0 built with this script as
# releases/0.3.0/commands/health.sh): the node answers, then the check reports it unhealthy,
# as a release whose new code misbehaves under its own check would. scripts/fleet/test.sh
# rolls it out and expects the first host to be downgraded in place and the play to stop.
set -eu
bin/kv ping >/dev/null
echo "kv $DISTILL_RELEASE_VSN: unhealthy (the fleet test's release built to fail its health check)"
exit 1
