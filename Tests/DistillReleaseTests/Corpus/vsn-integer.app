{application, kv,
 [{description, "kv"},
  {vsn, 1},
  {modules, [kv_app]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.
