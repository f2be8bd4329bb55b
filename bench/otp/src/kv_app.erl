%% This source file is part of the swift-distill open source project
%% SPDX-License-Identifier: Apache-2.0
-module(kv_app).
-behaviour(application).

-export([start/2, stop/1]).

start(_Type, _Args) -> kv_sup:start_link().

stop(_State) -> ok.
