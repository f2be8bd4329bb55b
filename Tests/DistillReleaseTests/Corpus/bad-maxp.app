{application, kv,
 [{description, "kv"}, {vsn, "1.0"}, {modules, []}, {registered, []}, {applications, []},
  {maxP, -1}, {maxT, forever}]}.
