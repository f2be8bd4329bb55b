{application, a, [{description, ""}, {vsn, "1"}, {modules, []}, {registered, []}, {applications, []}]}.
{application, b, []}.
