#!/bin/sh
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
#
# kv's health check, shipped in the release as releases/VSN/commands/health.sh and run by
# `bin/kv upgrade VSN --health 'releases/$DISTILL_RELEASE_VSN/commands/health.sh'` on the
# node being upgraded, in its release root: the node answers `ping`, and a write through
# the kv server reads back.
set -eu
bin/kv ping >/dev/null
[ "$(bin/kv rpc kv '{put, health_probe, <<"ok">>}')" = ok ] || { echo "kv: put failed"; exit 1; }
[ "$(bin/kv rpc kv '{get, health_probe, nil}')" = '<<"ok">>' ] || { echo "kv: get failed"; exit 1; }
