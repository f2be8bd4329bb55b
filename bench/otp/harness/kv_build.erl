%% This source file is part of the swift-distill open source project
%% SPDX-License-Identifier: Apache-2.0
%%
%% kv_build: the systools half of the release build (run.sh compiles the modules with
%% erlc first). For each version it writes lib/kv-VSN/ebin/kv.app (and the hand-written
%% appup), releases/VSN/kv.rel, sys.config and vm.args, then
%%   systools:make_script  -> releases/VSN/kv.boot
%%   systools:make_relup   -> releases/VSN/relup (0.2.0 from 0.1.0; 0.3.0 from 0.2.0 and 0.1.0)
%%   systools:make_tar     -> kv-VSN.tar.gz, with ERTS, bin/kv, bin/nodetool
%%
%% Usage: erl -noshell -pa BUILD/harness -run kv_build main SOURCE_DIR BUILD_DIR
-module(kv_build).

-export([main/1]).

-include_lib("kernel/include/file.hrl").

-define(VERSIONS, ["0.1.0", "0.2.0", "0.3.0"]).

main([Source, Build]) ->
    try
        build(Source, Build),
        halt(0)
    catch
        throw:{build_error, Format, Args} ->
            io:format(standard_error, "kv_build: " ++ Format ++ "~n", Args),
            halt(1)
    end.

build(Source, Build) ->
    Erts = stage_erts(Source, Build),
    Base = base_applications(),
    [write_release(Source, Build, Vsn, Base) || Vsn <- ?VERSIONS],
    [make_script(Build, Vsn) || Vsn <- ?VERSIONS],
    make_relup(Build, "0.2.0", ["0.1.0"]),
    make_relup(Build, "0.3.0", ["0.2.0", "0.1.0"]),
    [make_tar(Source, Build, Erts, Vsn) || Vsn <- ?VERSIONS],
    ok.

%% kernel, stdlib and sasl at this Erlang's versions.
base_applications() ->
    [begin
         _ = application:load(App),
         {ok, Vsn} = application:get_key(App, vsn),
         {App, Vsn}
     end || App <- [kernel, stdlib, sasl]].

write_release(Source, Build, Vsn, Base) ->
    Ebin = filename:join([Build, "lib", "kv-" ++ Vsn, "ebin"]),
    {ok, [{application, kv, Keys}]} = file:consult(filename:join([Source, "src", "kv.app.src"])),
    write_term(filename:join(Ebin, "kv.app"), {application, kv, lists:keystore(vsn, 1, Keys, {vsn, Vsn})}),
    Appup = filename:join([Source, "appups", "kv-" ++ Vsn ++ ".appup"]),
    case filelib:is_regular(Appup) of
        true -> copy(Appup, filename:join(Ebin, "kv.appup"));
        false -> ok
    end,
    RelDir = filename:join([Build, "releases", Vsn]),
    Rel = {release, {"kv", Vsn}, {erts, erlang:system_info(version)}, Base ++ [{kv, Vsn}]},
    write_term(filename:join(RelDir, "kv.rel"), Rel),
    copy(filename:join([Source, "rel", "sys.config"]), filename:join(RelDir, "sys.config")),
    copy(filename:join([Source, "rel", "vm.args"]), filename:join(RelDir, "vm.args")).

make_script(Build, Vsn) ->
    RelDir = filename:join([Build, "releases", Vsn]),
    check(make_script, systools:make_script(filename:join(RelDir, "kv"),
                                            [{path, [ebin(Build, Vsn)]}, {outdir, RelDir}, silent])).

make_relup(Build, Vsn, From) ->
    RelDir = filename:join([Build, "releases", Vsn]),
    Olds = [filename:join([Build, "releases", Old, "kv"]) || Old <- From],
    Path = [ebin(Build, V) || V <- [Vsn | From]],
    check(make_relup, systools:make_relup(filename:join(RelDir, "kv"), Olds, Olds,
                                          [{path, Path}, {outdir, RelDir}, silent])).

%% The tarball: make_tar with ERTS, plus the control scripts and vm.args (relx adds the same).
make_tar(Source, Build, Erts, Vsn) ->
    RelDir = filename:join([Build, "releases", Vsn]),
    Extra = [{filename:join([Source, "bin", "kv"]), "bin/kv"},
             {filename:join([Source, "bin", "nodetool"]), "bin/nodetool"},
             {filename:join([code:root_dir(), "bin", "no_dot_erlang.boot"]), "bin/no_dot_erlang.boot"},
             {filename:join(RelDir, "vm.args"), filename:join(["releases", Vsn, "vm.args"])}],
    check(make_tar, systools:make_tar(filename:join(RelDir, "kv"),
                                      [{erts, Erts}, {path, [ebin(Build, Vsn)]}, {outdir, RelDir},
                                       {extra_files, Extra}, silent])),
    ok = file:rename(filename:join(RelDir, "kv.tar.gz"), filename:join(Build, "kv-" ++ Vsn ++ ".tar.gz")).

ebin(Build, Vsn) -> filename:join([Build, "lib", "kv-" ++ Vsn, "ebin"]).

%% make_tar's {erts, Dir} copies Dir/erts-VSN/bin. This Erlang's erts bin/erl names the
%% install root (/usr/lib/erlang) outright, so a release's escripts would run the build
%% machine's Erlang. Like relx, the release gets an erl that finds its root from where it
%% is: Dir is a staged erts whose bin links to this Erlang's files, erl replaced.
stage_erts(Source, Build) ->
    Root = filename:join(Build, "erts"),
    ErtsVsn = "erts-" ++ erlang:system_info(version),
    From = filename:join([code:root_dir(), ErtsVsn, "bin"]),
    To = filename:join([Root, ErtsVsn, "bin"]),
    ok = filelib:ensure_dir(filename:join(To, "x")),
    {ok, Files} = file:list_dir(From),
    [ok = file:make_symlink(filename:join(From, File), filename:join(To, File)) || File <- Files, File =/= "erl"],
    copy(filename:join([Source, "bin", "erl"]), filename:join(To, "erl")),
    Root.

check(_Step, ok) -> ok;
check(Step, {ok, _Relup, Module, Warnings}) -> check(Step, {ok, Module, Warnings});
check(_Step, {ok, _Module, []}) -> ok;
check(Step, {ok, Module, Warnings}) ->
    io:format(standard_error, "kv_build: ~p: ~ts~n", [Step, Module:format_warning(Warnings)]);
check(Step, {error, Module, Error}) ->
    throw({build_error, "~p: ~ts", [Step, Module:format_error(Error)]});
check(Step, Other) ->
    throw({build_error, "~p: ~p", [Step, Other]}).

write_term(File, Term) ->
    ok = filelib:ensure_dir(File),
    ok = file:write_file(File, io_lib:format("~tp.~n", [Term])).

copy(From, To) ->
    ok = filelib:ensure_dir(To),
    {ok, _} = file:copy(From, To),
    {ok, #file_info{mode = Mode}} = file:read_file_info(From),
    ok = file:change_mode(To, Mode).
