"""Qt-free storage: where the files live, the model store, settings, history and its export,
private atomic writes, the start-at-login entry."""
