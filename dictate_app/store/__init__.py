"""Qt-free storage: the model store, the settings schema, history and its export, private atomic
writes, the start-at-login entry (where the files live: :mod:`dictate_app.paths`)."""
