%% This source file is part of the swift-distill open source project
%% SPDX-License-Identifier: Apache-2.0
%%
%% kv_bench: the benchmark driver run.sh starts (a hidden distributed node). It deploys the
%% kv release the way a target system is installed (extract the tarball, create RELEASES and
%% start_erl.data), drives it only through bin/kv, and prints one JSON line per figure:
%%
%%   {"bench":"otp","measure":"install_release","case":"0.1.0->0.2.0","run":1,"value":0.0041,"unit":"s"}
%%
%% Usage (run.sh passes the arguments):
%%   kv_bench main boot       BUILD RUN_DIR RUNS
%%   kv_bench main upgrade    BUILD RUN_DIR RUNS KEYS
%%   kv_bench main throughput BUILD RUN_DIR RUNS CALLS CLI_CALLS
-module(kv_bench).

-export([main/1]).

-define(READY_TIMEOUT_MS, 30000).

main([Command, Build, RunDir | Args]) ->
    Config = #{build => Build, run_dir => RunDir},
    persistent_term:put({?MODULE, run_dir}, RunDir),
    try run(Command, [list_to_integer(A) || A <- Args], Config) of
        _ -> halt(0)
    catch
        throw:{bench_error, Format, Arguments} ->
            io:format(standard_error, "kv_bench: " ++ Format ++ "~n", Arguments),
            halt(1);
        Class:Reason:Stack ->
            io:format(standard_error, "kv_bench: ~p:~p~n~p~n", [Class, Reason, Stack]),
            halt(1)
    end.

run("boot", [Runs], Config) ->
    Root = deploy(Config, "boot"),
    [boot(Root, Mode, Run) || Run <- lists:seq(1, Runs), Mode <- [foreground, start]],
    ok = file:del_dir_r(Root);
run("upgrade", [Runs, Keys], Config) ->
    [upgrade_run(Config, Run, Keys, Client) || Run <- lists:seq(1, Runs), Client <- [idle, client]];
run("throughput", [Runs, Calls, CliCalls], Config) ->
    throughput(Config, Runs, Calls, CliCalls);
run(Command, Args, _Config) ->
    fail("unknown command ~s ~p", [Command, Args]).

%% MARK: - Boot

%% From exec of `bin/kv foreground` (or `bin/kv start`) to the node answering a ping, and to
%% kv answering a call; then `bin/kv stop`-equivalent shutdown, untimed.
boot(Root, Mode, Run) ->
    Node = node_name(Root, Run, Mode),
    Start = erlang:monotonic_time(),
    Started = case Mode of
        foreground -> spawn_kv(Root, Node, ["foreground"]);
        start -> {0, _, _} = kv(Root, Node, ["start"]), daemon
    end,
    Ping = wait_for_ping(Node, Start),
    Ready = wait_for_kv(Node, Start),
    OsPid = remember_pid(Node),
    Case = atom_to_list(Mode),
    report("boot_to_ping", Case, Run, Ping, "s"),
    report("boot_to_ready", Case, Run, Ready, "s"),
    stop_node(Node, OsPid, Started).

%% MARK: - Upgrades

%% One node of 0.1.0 with Keys keys; up to 0.2.0 (soft), up to 0.3.0 (state change), down to
%% 0.2.0 (state change back), down to 0.1.0. With Client = client, a process calls kv in a loop
%% during each command; with idle, nothing else runs (figures named idle_*).
upgrade_run(Config, Run, Keys, Client) ->
    Root = deploy(Config, lists:concat(["upgrade-", Run, "-", Client])),
    Node = node_name(Root, Run, upgrade),
    Port = spawn_kv(Root, Node, ["foreground"]),
    wait_for_kv(Node, erlang:monotonic_time()),
    OsPid = remember_pid(Node),
    load_probe(Node),
    ok = rpc(Node, kv_probe, load, [Keys]),
    Steps = [{"0.1.0", "0.2.0", "upgrade"}, {"0.2.0", "0.3.0", "upgrade"},
             {"0.3.0", "0.2.0", "downgrade"}, {"0.2.0", "0.1.0", "downgrade"}],
    [upgrade_step(Root, Node, Run, Keys, Client, Step) || Step <- Steps],
    stop_node(Node, OsPid, Port),
    ok = file:del_dir_r(Root).

upgrade_step(Root, Node, Run, Keys, Client, {From, To, Command}) ->
    Case = From ++ "->" ++ To,
    Caller = case Client of
        client -> rpc(Node, kv_probe, start_client, [Keys]);
        idle -> none
    end,
    {Status, Output, Elapsed} = kv(Root, Node, [Command, To]),
    Seen = case Client of
        client -> rpc(Node, kv_probe, stop_client, [Caller]);
        idle -> none
    end,
    Status == 0 orelse fail("bin/kv ~s ~s exited with ~p:~n~ts", [Command, To, Status, Output]),
    Timings = timings(Output),
    verify(Node, Keys, To),
    Prefix = case Client of client -> ""; idle -> "idle_" end,
    report(Prefix ++ "command", Case, Run, Elapsed, "s"),
    [report(Prefix ++ Name, Case, Run, maps:get(Key, Timings) / 1.0e6, "s")
     || {Name, Key} <- [{"unpack_release", unpack_us}, {"check_install_release", check_us},
                        {"install_release", install_us}, {"make_permanent", permanent_us}],
        maps:is_key(Key, Timings)],
    case Client of
        client -> report_client(Case, Run, Seen, Timings);
        idle -> ok
    end.

report_client(Case, Run, Seen, Timings) ->
    #{calls := Calls, failed := Failed, wrong := Wrong, max_gap_us := MaxGap, slow := Slow} = Seen,
    report("max_gap", Case, Run, MaxGap / 1.0e6, "s"),
    report("longest_call_in_install", Case, Run, longest_overlapping(Slow, Timings) / 1.0e6, "s"),
    report("calls", Case, Run, Calls, "calls"),
    report("failed_calls", Case, Run, Failed, "calls"),
    report("wrong_replies", Case, Run, Wrong, "calls").

%% The longest call that overlapped install_release: its window is [End - Install, End] in OS
%% time. Calls shorter than the probe's threshold (50 us) are not kept: the figure is then 50 us.
longest_overlapping(Slow, #{install_us := Install, install_end_us := End}) ->
    Begin = End - Install,
    Overlapping = [Gap || {CallEnd, Gap} <- Slow, CallEnd >= Begin, CallEnd - Gap =< End],
    lists:max([50 | Overlapping]).

%% The release running and permanent is Vsn, every key holds its value, and kv's state has
%% the shape of Vsn: 0.3.0 counts reads per key, the others do not know {reads, Key}.
verify(Node, Keys, Vsn) ->
    Releases = rpc(Node, release_handler, which_releases, []),
    {_, Vsn, _, permanent} = lists:keyfind(Vsn, 2, Releases),
    case rpc(Node, kv_probe, check, [Keys]) of
        ok -> ok;
        Error -> fail("after installing ~s, kv lost data: ~p", [Vsn, Error])
    end,
    case {Vsn, rpc(Node, kv_probe, reads, [1])} of
        {"0.3.0", Reads} when is_integer(Reads), Reads > 0 -> ok;
        {"0.3.0", Other} -> fail("0.3.0 should count reads; {reads, Key} answered ~p", [Other]);
        {_, {error, {bad_request, _}}} -> ok;
        {_, Other} -> fail("~s should not know {reads, Key}; it answered ~p", [Vsn, Other])
    end.

timings(Output) ->
    Lines = string:split(Output, "\n", all),
    case [Line || Line <- Lines, string:prefix(Line, "timings: ") =/= nomatch] of
        [Line | _] ->
            {ok, Tokens, _} = erl_scan:string(binary_to_list(string:prefix(Line, "timings: "))),
            {ok, Timings} = erl_parse:parse_term(Tokens),
            Timings;
        [] ->
            fail("bin/kv printed no timings:~n~ts", [Output])
    end.

%% MARK: - Throughput

%% gen_server:call to kv from 1 and 2 processes in the node, and `bin/kv rpc` from the
%% command line, sequential: each a new escript joining the node (nodetool), and the same
%% through erl_call, relx 4's default transport.
throughput(Config, Runs, Calls, CliCalls) ->
    Root = deploy(Config, "throughput"),
    Node = node_name(Root, 1, throughput),
    Port = spawn_kv(Root, Node, ["foreground"]),
    wait_for_kv(Node, erlang:monotonic_time()),
    OsPid = remember_pid(Node),
    load_probe(Node),
    ok = rpc(Node, kv_probe, load, [1000]),
    _ = rpc(Node, kv_probe, throughput, [1, Calls div 10]),
    [begin
         report("call_throughput", "clients=1", Run, rpc(Node, kv_probe, throughput, [1, Calls]), "calls/s"),
         report("call_throughput", "clients=2", Run, rpc(Node, kv_probe, throughput, [2, Calls]), "calls/s")
     end || Run <- lists:seq(1, Runs)],
    %% erl_call's argument syntax has no binaries: an atom key, an atom value.
    ok = rpc(Node, kv, put, [cli_key, cli_value]),
    [begin
         Start = erlang:monotonic_time(),
         [begin
              {0, <<"cli_value\n">>, _} = kv(Root, Node, ["rpc", "kv", "get", "cli_key", "none"], Env)
          end || _ <- lists:seq(1, CliCalls)],
         report("cli_rpc_throughput", Case, Run, CliCalls / seconds_since(Start), "calls/s")
     end || Run <- lists:seq(1, Runs),
            {Case, Env} <- [{"bin/kv rpc", []}, {"bin/kv rpc, erl_call", [{"KV_RPC", "erl_call"}]}]],
    stop_node(Node, OsPid, Port),
    ok = file:del_dir_r(Root).

%% MARK: - Nodes

%% A target system installed from kv-0.1.0.tar.gz, as OTP's target_system:install does:
%% extract, create releases/RELEASES, write releases/start_erl.data. The later versions'
%% tarballs are deployed in releases/ for bin/kv upgrade.
deploy(#{build := Build, run_dir := RunDir}, Name) ->
    Root = filename:join(RunDir, Name),
    ok = filelib:ensure_dir(filename:join(Root, "x")),
    ok = erl_tar:extract(filename:join(Build, "kv-0.1.0.tar.gz"), [compressed, {cwd, Root}]),
    Releases = filename:join(Root, "releases"),
    ok = release_handler:create_RELEASES(Root, Releases, filename:join([Releases, "0.1.0", "kv.rel"]), []),
    ok = file:write_file(filename:join(Releases, "start_erl.data"), [erlang:system_info(version), " 0.1.0\n"]),
    [{ok, _} = file:copy(filename:join(Build, Tar), filename:join(Releases, Tar))
     || Tar <- ["kv-0.2.0.tar.gz", "kv-0.3.0.tar.gz"]],
    Root.

node_name(Root, Run, Kind) ->
    [_, Host] = string:split(atom_to_list(node()), "@"),
    Name = lists:flatten(io_lib:format("kv_~s_~p_~s_~s", [os:getpid(), Run, Kind, filename:basename(Root)])),
    {list_to_atom(Name ++ "@" ++ Host), Name}.

env({_, Name}) -> [{"NODE_NAME", Name}, {"COOKIE", atom_to_list(erlang:get_cookie())}].

%% `bin/kv Args` to its end: {ExitStatus, Output, Seconds}.
kv(Root, Node, Args) -> kv(Root, Node, Args, []).

kv(Root, Node, Args, Env) ->
    Start = erlang:monotonic_time(),
    Port = open_port({spawn_executable, filename:join([Root, "bin", "kv"])},
                     [{args, Args}, {env, env(Node) ++ Env}, exit_status, stderr_to_stdout, binary, hide]),
    collect(Port, Start, []).

collect(Port, Start, Output) ->
    receive
        {Port, {data, Data}} -> collect(Port, Start, [Output, Data]);
        {Port, {exit_status, Status}} -> {Status, iolist_to_binary(Output), seconds_since(Start)}
    after 120000 ->
        fail("bin/kv did not finish in 2 minutes:~n~ts", [Output])
    end.

%% `bin/kv Args` left running (foreground): the port, whose output is dropped.
spawn_kv(Root, Node, Args) ->
    Owner = self(),
    Pid = spawn_link(fun() ->
        Port = open_port({spawn_executable, filename:join([Root, "bin", "kv"])},
                         [{args, Args}, {env, env(Node)}, exit_status, stderr_to_stdout, binary, hide]),
        Owner ! {self(), port},
        drain(Port, Owner)
    end),
    receive {Pid, port} -> Pid end.

drain(Port, Owner) ->
    receive
        {Port, {data, _}} -> drain(Port, Owner);
        {Port, {exit_status, Status}} -> Owner ! {self(), exited, Status}
    end.

wait_for_ping({Node, _} = Name, Start) ->
    case net_adm:ping(Node) of
        pong -> seconds_since(Start);
        pang -> retry(fun() -> wait_for_ping(Name, Start) end, Start)
    end.

wait_for_kv({Node, _} = Name, Start) ->
    try gen_server:call({kv, Node}, keys, 5000) of
        _ -> seconds_since(Start)
    catch
        exit:_ -> retry(fun() -> wait_for_kv(Name, Start) end, Start)
    end.

retry(Again, Start) ->
    case seconds_since(Start) * 1000 > ?READY_TIMEOUT_MS of
        true -> fail("the node did not come up in ~p ms", [?READY_TIMEOUT_MS]);
        false -> timer:sleep(1), Again()
    end.

%% The node's OS process id, also written to RUN_DIR/pids for run.sh's cleanup trap.
remember_pid({Node, _}) ->
    OsPid = rpc(Node, os, getpid, []),
    {ok, File} = file:open(filename:join(run_dir(), "pids"), [append]),
    ok = io:format(File, "~s~n", [OsPid]),
    ok = file:close(File),
    OsPid.

run_dir() -> persistent_term:get({?MODULE, run_dir}).

stop_node({Node, _}, OsPid, Started) ->
    ok = rpc(Node, init, stop, []),
    wait_for_exit(OsPid, 30000),
    case Started of
        daemon -> ok;
        Pid -> receive {Pid, exited, _} -> ok after 30000 -> fail("bin/kv foreground did not exit", []) end
    end.

wait_for_exit(OsPid, Timeout) when Timeout =< 0 -> fail("node (OS process ~s) did not stop", [OsPid]);
wait_for_exit(OsPid, Timeout) ->
    case filelib:is_dir("/proc/" ++ OsPid) of
        true -> timer:sleep(5), wait_for_exit(OsPid, Timeout - 5);
        false -> ok
    end.

load_probe({Node, _}) ->
    {kv_probe, Binary, File} = code:get_object_code(kv_probe),
    {module, kv_probe} = rpc(Node, code, load_binary, [kv_probe, File, Binary]).

rpc({Node, _}, Module, Function, Args) -> rpc(Node, Module, Function, Args);
rpc(Node, Module, Function, Args) ->
    case rpc:call(Node, Module, Function, Args, 600000) of
        {badrpc, Reason} -> fail("rpc ~p:~p on ~p failed: ~p", [Module, Function, Node, Reason]);
        Result -> Result
    end.

%% MARK: - Output

report(Measure, Case, Run, Value, Unit) ->
    io:format("{\"bench\":\"otp\",\"measure\":\"~s\",\"case\":\"~s\",\"run\":~p,\"value\":~s,\"unit\":\"~s\"}~n",
              [Measure, Case, Run, number(Value), Unit]).

number(Value) when is_integer(Value) -> integer_to_list(Value);
number(Value) when is_float(Value) -> float_to_list(Value, [short]).

seconds_since(Start) ->
    erlang:convert_time_unit(erlang:monotonic_time() - Start, native, nanosecond) / 1.0e9.

fail(Format, Args) -> throw({bench_error, Format, Args}).
