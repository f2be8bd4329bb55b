%% This source file is part of the swift-distill open source project
%% SPDX-License-Identifier: Apache-2.0
%%
%% kv_probe: loaded into the running kv node by the benchmark driver (code:load_binary,
%% not part of the release). Loads keys, checks them, runs the client that calls kv in a
%% loop during an upgrade, and measures gen_server:call throughput in the node.
-module(kv_probe).

-export([load/1, check/1, reads/1, start_client/1, stop_client/1, throughput/2]).
-export([client/2]).

%% Gaps between call completions at least this long are kept, with their time, so that the
%% driver can find the longest call that overlapped install_release.
-define(SLOW_US, 50).

key(I) -> <<"key-", (integer_to_binary(I))/binary>>.
value(I) -> <<"value-", (integer_to_binary(I))/binary, "-0123456789abcdef">>.

%% Puts keys 1..N.
load(N) ->
    [ok = gen_server:call(kv, {put, key(I), value(I)}) || I <- lists:seq(1, N)],
    ok.

%% ok if kv holds exactly keys 1..N with their values, else what is wrong.
check(N) ->
    Keys = gen_server:call(kv, keys),
    Wrong = [I || I <- lists:seq(1, N), gen_server:call(kv, {get, key(I), missing}) =/= value(I)],
    case {length(Keys), Wrong} of
        {N, []} -> ok;
        {Count, _} -> {error, #{keys => Count, expected => N, wrong_values => length(Wrong)}}
    end.

%% What {reads, Key} says for key 1 (0.3.0 counts reads; older versions answer an error).
reads(I) -> gen_server:call(kv, {reads, key(I)}).

%% A process that gets keys 1..N round and round, checking every value, until stopped.
start_client(N) ->
    Parent = self(),
    Pid = spawn(?MODULE, client, [Parent, N]),
    receive {started, Pid} -> Pid end.

client(Parent, N) ->
    Keys = list_to_tuple([key(I) || I <- lists:seq(1, N)]),
    Values = list_to_tuple([value(I) || I <- lists:seq(1, N)]),
    Parent ! {started, self()},
    Now = erlang:monotonic_time(microsecond),
    loop(Keys, Values, N, 1, Now, #{calls => 0, failed => 0, wrong => 0, max_gap_us => 0, slow => [], first => Now}).

loop(Keys, Values, N, I, Previous, Stats) ->
    receive
        {stop, From} ->
            Offset = os:system_time(microsecond) - erlang:monotonic_time(microsecond),
            #{slow := Slow, first := First} = Stats,
            From ! {self(), Stats#{slow := [{End + Offset, Gap} || {End, Gap} <- Slow],
                                   first := First + Offset, last => Previous + Offset}}
    after 0 ->
        Key = element(I, Keys),
        Outcome = try gen_server:call(kv, {get, Key, missing}, 10000) of
            Value when Value =:= element(I, Values) -> ok;
            _ -> wrong
        catch
            exit:_ -> failed
        end,
        Now = erlang:monotonic_time(microsecond),
        Gap = Now - Previous,
        #{calls := Calls, max_gap_us := Max, slow := Slow} = Stats,
        Stats1 = Stats#{calls := Calls + 1, max_gap_us := max(Max, Gap),
                        slow := case Gap >= ?SLOW_US of true -> [{Now, Gap} | Slow]; false -> Slow end},
        Stats2 = case Outcome of
            ok -> Stats1;
            wrong -> maps:update_with(wrong, fun(C) -> C + 1 end, Stats1);
            failed -> maps:update_with(failed, fun(C) -> C + 1 end, Stats1)
        end,
        loop(Keys, Values, N, I rem N + 1, Now, Stats2)
    end.

%% Stops the client; its figures, times as OS time in microseconds: calls, failed (exits),
%% wrong (a value other than the one put), max_gap_us, slow ([{EndUs, GapUs}] for gaps of at
%% least ?SLOW_US), first, last.
stop_client(Pid) ->
    Pid ! {stop, self()},
    receive {Pid, Stats} -> Stats end.

%% Calls per second: Clients processes, each making Calls div Clients calls to kv.
throughput(Clients, Calls) ->
    Parent = self(),
    PerClient = Calls div Clients,
    Pids = [spawn_link(fun() ->
                               Key = key(C),
                               receive go -> ok end,
                               calls(Key, PerClient),
                               Parent ! {done, self()}
                       end) || C <- lists:seq(1, Clients)],
    Start = erlang:monotonic_time(),
    [Pid ! go || Pid <- Pids],
    [receive {done, Pid} -> ok end || Pid <- Pids],
    Elapsed = erlang:monotonic_time() - Start,
    PerClient * Clients / (erlang:convert_time_unit(Elapsed, native, nanosecond) / 1.0e9).

calls(_Key, 0) -> ok;
calls(Key, N) ->
    _ = gen_server:call(kv, {get, Key, none}),
    calls(Key, N - 1).
