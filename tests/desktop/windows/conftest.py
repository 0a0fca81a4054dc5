"""Stand-in DLLs for the Windows adapter's own tests (the real DLLs exist only on Windows): the
adapter is built over them, each function records its calls and answers from ``api.results``."""

from __future__ import annotations

import ctypes

import pytest

from dictate_app.desktop.windows import win32


class StubFunction:
    """A DLL function: records its calls, answers from the shared results (default 1)."""

    def __init__(self, name, log, results):
        self.name, self.log, self.results = name, log, results
        self.argtypes, self.restype = None, None

    def __call__(self, *args):
        self.log.append((self.name, args))
        result = self.results.get(self.name, 1)
        return result(*args) if callable(result) else result


class StubDLL:
    def __init__(self, log, results):
        self._log, self._results = log, results

    def __getattr__(self, name):
        function = StubFunction(name, self._log, self._results)
        setattr(self, name, function)
        return function


@pytest.fixture
def stub_api(monkeypatch):
    log, results = [], {}
    monkeypatch.setattr(ctypes, "WinDLL", lambda name, use_last_error=False: StubDLL(log, results), raising=False)
    monkeypatch.setattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE, raising=False)
    adapter = win32.Win32()
    adapter.log, adapter.results = log, results
    return adapter
