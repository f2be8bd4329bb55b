{application, kv,
 [{description, "tab\x{zz}here"},
  {vsn, "1.0"}, {modules, []}, {registered, []}, {applications, []}]}.
