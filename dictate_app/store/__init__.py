"""Qt-free storage: model store, later settings and history."""
