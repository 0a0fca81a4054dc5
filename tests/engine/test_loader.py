"""engine.loader's BackgroundLoad: a model load started early, taken once by whoever asks for it."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from dictate_app.engine.loader import BackgroundLoad
from dictate_app.errors import ModelError


class FakeEngine:
    backend, device = "fake", "cpu"


class FakeLoad:
    """Stands in for load_engine: records its call and thread; waits for ``release`` when given."""

    def __init__(self, error: BaseException | None = None, release: threading.Event | None = None):
        self.error, self.release = error, release
        self.calls: list[tuple] = []
        self.made: list[weakref.ref] = []

    def __call__(self, model_dir, device="auto", *, server=None, token=None):
        self.calls.append((model_dir, device, server, token, threading.current_thread().name))
        if self.release is not None:
            assert self.release.wait(5)
        if self.error is not None:
            raise self.error
        engine = FakeEngine()
        self.made.append(weakref.ref(engine))
        return engine


def _freed(load: FakeLoad) -> bool:
    gc.collect()
    return all(ref() is None for ref in load.made)


def test_the_load_runs_on_its_own_thread_and_is_taken_once():
    load = FakeLoad()
    early = BackgroundLoad("/m", "cpu", server=None, token="t", load=load)
    engine = early.take("/m", "cpu", None)
    assert isinstance(engine, FakeEngine)
    assert load.calls == [("/m", "cpu", None, "t", "model-load")]
    assert early.take("/m", "cpu", None) is None  # the second load of the same model loads anew


def test_take_waits_for_a_load_still_running():
    release = threading.Event()
    load = FakeLoad(release=release)
    early = BackgroundLoad("/m", "cpu", load=load)
    threading.Timer(0.2, release.set).start()
    assert isinstance(early.take("/m", "cpu", None), FakeEngine)


def test_the_loads_error_is_raised_by_take():
    early = BackgroundLoad("/m", "cpu", load=FakeLoad(error=ModelError("The model folder /m is missing.")))
    with pytest.raises(ModelError, match="The model folder /m is missing."):
        early.take("/m", "cpu", None)


@pytest.mark.parametrize("asked", [("/other", "cpu", None), ("/m", "cuda", None), ("/m", "cpu", "http://host:8000")])
def test_another_model_device_or_server_gets_none_and_frees_the_early_one(asked):
    load = FakeLoad()
    early = BackgroundLoad("/m", "cpu", load=load)
    assert early.take(*asked) is None
    early._thread.join()
    assert _freed(load)
    assert early.take("/m", "cpu", None) is None  # dropped for good


def test_a_load_dropped_while_running_is_freed_when_it_ends():
    release = threading.Event()
    load = FakeLoad(release=release)
    early = BackgroundLoad("/m", "cpu", load=load)
    early.drop()
    release.set()
    early._thread.join(5)
    assert len(load.made) == 1 and _freed(load)
    assert early.take("/m", "cpu", None) is None


def test_a_server_and_its_model_are_requested_together():
    load = FakeLoad()
    early = BackgroundLoad("/m", "auto", server="http://host:8000", token="secret", load=load)
    assert isinstance(early.take("/m", "auto", "http://host:8000"), FakeEngine)
    assert load.calls[0][:4] == ("/m", "auto", "http://host:8000", "secret")
