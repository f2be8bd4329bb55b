%% This source file is part of the swift-distill open source project
%% SPDX-License-Identifier: Apache-2.0
%%
%% kv: the classic hot-swap demo, a key-value store in one gen_server registered as
%% `kv'. One source, three releases (the build compiles it with -DKV_VERSION=1|2|3):
%%
%%   0.1.0  state #{Key => Value}
%%   0.2.0  the same state; every request is logged (a soft update: code only)
%%   0.3.0  state #{Key => {Value, Reads}}: per-key access counts; -vsn bumped,
%%          code_change converts up from 0.1.0/0.2.0 and down again (advanced update)
-module(kv).
-behaviour(gen_server).

-ifndef(KV_VERSION).
-define(KV_VERSION, 1).
-endif.

%% The vsn names the state shape: code_change sees it as OldVsn, or {down, Vsn}.
-if(?KV_VERSION >= 3).
-vsn(2).
-else.
-vsn(1).
-endif.

-include_lib("kernel/include/logger.hrl").

-export([start_link/0, put/2, get/2, delete/1, keys/0]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

put(Key, Value) -> gen_server:call(?MODULE, {put, Key, Value}).
get(Key, Default) -> gen_server:call(?MODULE, {get, Key, Default}).
delete(Key) -> gen_server:call(?MODULE, {delete, Key}).
keys() -> gen_server:call(?MODULE, keys).

init([]) -> {ok, #{}}.

-if(?KV_VERSION >= 2).
handle_call(Request, From, State) ->
    ?LOG_INFO("kv: ~0tp from ~0p", [Request, From]),
    request(Request, State).
-else.
handle_call(Request, _From, State) ->
    request(Request, State).
-endif.

-if(?KV_VERSION >= 3).
request({put, Key, Value}, State) ->
    Reads = case State of #{Key := {_, N}} -> N; #{} -> 0 end,
    {reply, ok, State#{Key => {Value, Reads}}};
request({get, Key, Default}, State) ->
    case State of
        #{Key := {Value, Reads}} -> {reply, Value, State#{Key := {Value, Reads + 1}}};
        #{} -> {reply, Default, State}
    end;
request({reads, Key}, State) ->
    case State of
        #{Key := {_, Reads}} -> {reply, Reads, State};
        #{} -> {reply, 0, State}
    end;
request(Request, State) ->
    common(Request, State).
-else.
request({put, Key, Value}, State) ->
    {reply, ok, State#{Key => Value}};
request({get, Key, Default}, State) ->
    {reply, maps:get(Key, State, Default), State};
request(Request, State) ->
    common(Request, State).
-endif.

common({delete, Key}, State) ->
    {reply, ok, maps:remove(Key, State)};
common(keys, State) ->
    {reply, maps:keys(State), State};
common(Other, State) ->
    {reply, {error, {bad_request, Other}}, State}.

handle_cast(_Request, State) -> {noreply, State}.

%% 0.1.0/0.2.0 (vsn 1) <-> 0.3.0 (vsn 2): every value starts with no reads; and back.
-if(?KV_VERSION >= 3).
code_change({down, 1}, State, _Extra) ->
    {ok, maps:map(fun(_Key, {Value, _Reads}) -> Value end, State)};
code_change(1, State, _Extra) ->
    {ok, maps:map(fun(_Key, Value) -> {Value, 0} end, State)}.
-else.
code_change(_OldVsn, State, _Extra) ->
    {ok, State}.
-endif.
