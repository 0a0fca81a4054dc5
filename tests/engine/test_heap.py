"""engine.heap: the mallopt/malloc_trim calls around a model load (a fake C library at the seam)."""

from __future__ import annotations

import pytest

from dictate_app.engine import heap


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


def test_lean_load_maps_large_allocations_during_the_load_then_trims(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(heap, "_glibc", lambda: libc)
    with heap.lean_load():
        assert libc.calls == [("mallopt", heap.M_MMAP_THRESHOLD, 64 * 1024)]
    assert libc.calls[1:] == [("mallopt", heap.M_MMAP_THRESHOLD, 128 * 1024), ("malloc_trim", 0)]


def test_lean_load_restores_the_threshold_when_the_load_fails(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(heap, "_glibc", lambda: libc)
    with pytest.raises(RuntimeError):
        with heap.lean_load():
            raise RuntimeError("model file is damaged")
    assert libc.calls[-2:] == [("mallopt", heap.M_MMAP_THRESHOLD, 128 * 1024), ("malloc_trim", 0)]


def test_no_glibc_means_no_calls(monkeypatch):
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    assert heap._glibc() is None
    with heap.lean_load():  # nothing to call: the load just runs
        pass


def test_glibc_is_found_on_this_linux():
    if not heap.sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    libc = heap._glibc()
    if libc is None:
        pytest.skip("not glibc (musl)")
    with heap.lean_load():  # the real calls succeed
        data = bytearray(1 << 20)
    assert len(data) == 1 << 20
