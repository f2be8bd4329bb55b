{application, kv,
 [{description, "kv"}, {vsn, "1.0"}, {modules, []}, {registered, []}, {applications, []},
  {mod, {"kv_app", []}}]}.
