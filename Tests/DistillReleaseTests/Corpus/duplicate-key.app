{application, kv,
 [{description, "kv"},
  {vsn, "1.0"},
  {modules, []},
  {registered, []},
  {applications, []},
  {vsn, "1.1"}]}.
