%% This source file is part of the swift-distill open source project
%% SPDX-License-Identifier: Apache-2.0
-module(kv_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Kv = #{id => kv, start => {kv, start_link, []}, restart => permanent,
           shutdown => 5000, type => worker, modules => [kv]},
    {ok, {#{strategy => one_for_one, intensity => 3, period => 5}, [Kv]}}.
