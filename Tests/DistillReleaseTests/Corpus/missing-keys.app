{application, kv, [{vsn, "1.0"}]}.
