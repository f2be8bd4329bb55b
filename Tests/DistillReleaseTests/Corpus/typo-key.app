{application, kv,
 [{description, "kv"}, {vsn, "1.0"}, {modules, []}, {registered, []},
  {applications, [kernel]},
  {registerd, [kv_server]}]}.
