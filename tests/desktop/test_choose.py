"""Which backend a session gets (desktop/choose.py): every backend the session detection names has a
builder that exists, and a desktop without one gets the unsupported parts."""

from __future__ import annotations

import importlib

from dictate_app.desktop import choose
from dictate_app.desktop.session import BACKENDS, Session


def test_every_detected_backend_has_a_builder_that_exists():
    assert set(choose.BUILDERS) == set(BACKENDS) - {"none"}
    for module, function in choose.BUILDERS.values():
        assert callable(getattr(importlib.import_module(module), function)), (module, function)


def test_no_backend_gets_the_unsupported_parts():
    desktop = choose.build(Session("none", "no DISPLAY, WAYLAND_DISPLAY or session type.", {}))
    assert desktop.name == "none"
    assert {row.status for row in desktop.checks()} == {"unsupported"}


BUILT: list[Session] = []


def built_here(session: Session) -> str:
    BUILT.append(session)
    return "x11 desktop"


def test_a_backend_is_built_by_its_own_function(monkeypatch):
    monkeypatch.setitem(choose.BUILDERS, "x11", (__name__, "built_here"))
    session = Session("x11", "DISPLAY is set.", {"DISPLAY": ":1"})
    assert choose.build(session) == "x11 desktop" and BUILT == [session]
