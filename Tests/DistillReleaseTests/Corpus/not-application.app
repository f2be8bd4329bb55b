{app, kv, []}.
