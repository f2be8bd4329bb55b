{application, kv,
 [{description, "kv"},
  {vsn, "1.0"},
  {modules, ["kv_app", kv_server]},
  {registered, []},
  {applications, [kernel]}]}.
