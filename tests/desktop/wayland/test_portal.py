"""The XDG portal parts (GNOME, KDE): the GlobalShortcuts hotkey and the RemoteDesktop keyboard.

Everything marked ``slow`` runs on a private session bus against the real frontend Debian 12 ships
(``/usr/libexec/xdg-desktop-portal`` 1.16) with our test backend behind it (``portal_backend.py``),
so the calls, request and session handles and signals the assertions see are the ones the real
frontend produced. Only the restore-token tests use a frontend double: 1.16's RemoteDesktop is
version 1 and drops ``persist_mode`` and ``restore_token`` (``src/remote-desktop.c``), which the
``test_1_16_*`` tests pin down. The first tests are pure functions (those of the D-Bus plumbing and
the keyboard's keysyms and token file: test_portal_dbus.py and test_portal_keyboard.py).
"""

from __future__ import annotations

import stat
import threading
import time

import pytest

from dictate_app.desktop.base import MISSING, OK, UNSUPPORTED, HotkeyError, InsertError
from dictate_app.desktop.wayland.portal import SHORTCUT_ID, PortalHotkey, preferred_trigger
from dictate_app.desktop.wayland.portal_keyboard import PortalKeyboard, char_keysym, chord_events, read_token


# ---- pure functions ----

def test_preferred_trigger_is_the_keys_xkb_name():
    assert [preferred_trigger(k) for k in ("f9", "ctrl_r", "scroll_lock", "pause", "<pause>")] == [
        "F9", "Control_R", "Scroll_Lock", "Pause", "Pause"]


def test_an_unknown_key_is_a_hotkey_error_before_any_bus():
    with pytest.raises(HotkeyError, match="is not a key name"):
        PortalHotkey(bus_address="unix:path=/nonexistent").start("hyper_9", print, print, lambda: None)


# ---- helpers for the stack tests ----

class Events:
    """Press and release callbacks that record ``(kind, ms)`` and let a test wait for them."""

    def __init__(self):
        self.items: list[tuple[str, float]] = []
        self.changed = threading.Event()
        self._cond = threading.Condition()

    def press(self, ms):
        with self._cond:
            self.items.append(("press", ms))
            self._cond.notify_all()

    def release(self, ms):
        with self._cond:
            self.items.append(("release", ms))
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = 3.0) -> list[tuple[str, float]]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.items) >= count, timeout)
            return list(self.items)


@pytest.fixture
def make_hotkey():
    made = []

    def make(stack, **kwargs):
        events = Events()
        hotkey = PortalHotkey(bus_address=stack.address, on_change=events.changed.set, **kwargs)
        made.append(hotkey)
        return hotkey, events
    yield make
    for hotkey in made:
        hotkey.stop()


@pytest.fixture
def make_keyboard(tmp_path):
    made = []

    def make(stack, **kwargs):
        kwargs.setdefault("token_path", tmp_path / "remote-desktop.token")
        keyboard = PortalKeyboard(bus_address=stack.address, **kwargs)
        made.append(keyboard)
        return keyboard
    yield make
    for keyboard in made:
        keyboard.close()


def request_path(bus_sender: str) -> str:
    return f"/org/freedesktop/portal/desktop/request/{bus_sender}/"


def keysyms(stack) -> list[tuple[int, int]]:
    return [tuple(c["args"][2:]) for c in stack.calls("NotifyKeyboardKeysym")]


def row(checks, capability):
    return next(c for c in checks if c.capability == capability)


# ---- GlobalShortcuts through the real frontend ----

@pytest.mark.slow
def test_hotkey_binds_f9_through_the_real_frontend(portal, make_hotkey):
    hotkey, events = make_hotkey(portal)
    assert hotkey.start("f9", events.press, events.release, lambda: None) is None
    sender = hotkey._bus.sender
    (create,) = portal.calls("CreateSession")
    handle, session, app_id, options = create["args"]
    # The frontend's request and session paths are the ones the specification predicts from our
    # unique name and tokens; a host application has the empty app id in 1.16.
    assert handle == request_path(sender) + options["handle_token"]
    assert session == hotkey._session == f"/org/freedesktop/portal/desktop/session/{sender}/{options['session_handle_token']}"
    assert app_id == ""
    (bind,) = portal.calls("BindShortcuts")
    assert bind["args"][0].startswith(request_path(sender)) and bind["args"][1] == session
    assert bind["args"][2] == [[SHORTCUT_ID, {"description": "Dictate: hold to talk", "preferred_trigger": "F9"}]]
    assert bind["args"][3] == ""
    (listed,) = portal.calls("ListShortcuts")
    assert listed["args"][1] == session
    hotkey_row = row(hotkey.checks(), "hotkey")
    assert hotkey_row.status == OK and "F9" in hotkey_row.detail
    assert row(hotkey.checks(), "key kept from the app").status == OK and hotkey.keeps_key_from_app
    assert row(hotkey.checks(), "esc cancel").status == UNSUPPORTED


@pytest.mark.slow
def test_right_ctrl_is_asked_for_as_control_r(portal, make_hotkey):
    hotkey, events = make_hotkey(portal)
    hotkey.start("ctrl_r", events.press, events.release, lambda: None)
    (bind,) = portal.calls("BindShortcuts")
    assert bind["args"][2][0][1]["preferred_trigger"] == "Control_R"


@pytest.mark.slow
def test_the_row_names_the_key_the_desktop_really_bound(portal, make_hotkey):
    portal.configure(ListShortcuts={"trigger": "Ctrl+Alt+D"})
    hotkey, events = make_hotkey(portal)
    hotkey.start("f9", events.press, events.release, lambda: None)
    assert "Ctrl+Alt+D" in row(hotkey.checks(), "hotkey").detail


@pytest.mark.slow
def test_press_and_release_carry_the_signals_timestamps(portal, make_hotkey):
    hotkey, events = make_hotkey(portal)
    other, other_events = make_hotkey(portal)
    hotkey.start("f9", events.press, events.release, lambda: None)
    other.start("f9", other_events.press, other_events.release, lambda: None)
    portal.emit("Activated", hotkey._session, SHORTCUT_ID, 1_000)
    portal.emit("Activated", hotkey._session, SHORTCUT_ID, 1_040)  # a repeat while held
    time.sleep(0.3)
    portal.emit("Deactivated", hotkey._session, SHORTCUT_ID, 1_300)
    (press, release) = events.wait(2)
    assert [press[0], release[0]] == ["press", "release"]
    assert release[1] - press[1] == pytest.approx(300.0)  # the desktop's hold, not our delivery delay
    assert abs(press[1] - time.monotonic() * 1000) < 2_000  # stamped on our clock
    time.sleep(0.2)
    assert events.items == [press, release]
    assert other_events.items == []  # 1.16 broadcasts the signals; the other session ignores them


@pytest.mark.slow
def test_a_clock_we_do_not_understand_falls_back_to_ours(portal, make_hotkey):
    hotkey, events = make_hotkey(portal)
    hotkey.start("f9", events.press, events.release, lambda: None)
    portal.emit("Activated", hotkey._session, SHORTCUT_ID, 5)
    portal.emit("Deactivated", hotkey._session, SHORTCUT_ID, 5_000_000_000)  # microseconds, say
    (press, release) = events.wait(2)
    assert 0 <= release[1] - press[1] < 1_000


@pytest.mark.slow
@pytest.mark.parametrize("code, words", [(1, "You declined Dictate's push-to-talk shortcut (F9)"),
                                         (2, "The desktop refused Dictate's push-to-talk shortcut (F9")])
def test_a_refused_binding_is_a_hotkey_error(portal, make_hotkey, code, words):
    portal.configure(BindShortcuts={"response": code})
    hotkey, events = make_hotkey(portal)
    with pytest.raises(HotkeyError) as info:
        hotkey.start("f9", events.press, events.release, lambda: None)
    assert str(info.value).startswith(words)
    assert "dictate-app toggle" in str(info.value)
    assert row(hotkey.checks(), "hotkey").status == MISSING


@pytest.mark.slow
def test_start_does_not_wait_for_the_dialog(portal, make_hotkey):
    portal.configure(BindShortcuts={"delay": 1.5})
    hotkey, events = make_hotkey(portal)
    began = time.monotonic()
    warning = hotkey.start("f9", events.press, events.release, lambda: None)
    assert time.monotonic() - began < 1.2
    assert warning.startswith("Confirm Dictate's push-to-talk shortcut (F9) in the desktop's dialog")
    assert row(hotkey.checks(), "hotkey").status == MISSING
    assert events.changed.wait(5)
    assert hotkey.state == "bound" and row(hotkey.checks(), "hotkey").status == OK
    portal.emit("Activated", hotkey._session, SHORTCUT_ID, 10)
    assert events.wait(1)[0][0] == "press"


@pytest.mark.slow
def test_a_late_refusal_is_reported_through_on_change(portal, make_hotkey):
    portal.configure(BindShortcuts={"delay": 1.0, "response": 1})
    hotkey, events = make_hotkey(portal)
    assert hotkey.start("f9", events.press, events.release, lambda: None) is not None
    assert events.changed.wait(5)
    assert hotkey.state == "failed" and hotkey.error.startswith("You declined")
    assert row(hotkey.checks(), "hotkey").detail == hotkey.error


@pytest.mark.slow
def test_the_desktop_closing_the_session_releases_a_held_key(portal, make_hotkey):
    hotkey, events = make_hotkey(portal)
    hotkey.start("f9", events.press, events.release, lambda: None)
    portal.emit("Activated", hotkey._session, SHORTCUT_ID, 10)
    events.wait(1)
    events.changed.clear()
    portal.control("CloseSession", "s", (hotkey._session,))
    assert events.changed.wait(3)
    assert [kind for kind, _ in events.wait(2)] == ["press", "release"]
    assert hotkey.state == "failed" and "closed Dictate's shortcut session" in hotkey.error


@pytest.mark.slow
def test_stop_closes_the_session(portal, make_hotkey):
    hotkey, events = make_hotkey(portal)
    hotkey.start("f9", events.press, events.release, lambda: None)
    session = hotkey._session
    events.changed.clear()
    hotkey.stop()
    assert [c["args"][0] for c in portal.calls("Close")] == [session]
    assert not events.changed.is_set()  # stopping is not a failure


# ---- RemoteDesktop through the real frontend ----

@pytest.mark.slow
@pytest.mark.parametrize("chord", ["ctrl+v", "ctrl+shift+v", "shift+insert"])
def test_chords_reach_the_backend_as_keysyms(portal, make_keyboard, chord):
    keyboard = make_keyboard(portal)
    keyboard.key(chord)
    assert keysyms(portal) == chord_events(chord)
    assert all(c["args"][0] == keyboard._start.handle for c in portal.calls("NotifyKeyboardKeysym"))


@pytest.mark.slow
def test_text_reaches_the_backend_one_keysym_per_character(portal, make_keyboard):
    keyboard = make_keyboard(portal)
    keyboard.type("hi naïve Ёж")  # Latin-1 and Cyrillic have keysyms layouts carry
    assert keysyms(portal) == [e for c in "hi naïve Ёж" for e in ((char_keysym(c), 1), (char_keysym(c), 0))]


@pytest.mark.slow
def test_text_no_layout_has_is_refused_before_any_key(portal, make_keyboard):
    # GNOME and KDE would drop 你 and 🙂 (no key on any layout) while the call succeeds: the user
    # would get "hi  " with holes. Refused whole instead, with where the text is.
    keyboard = make_keyboard(portal)
    with pytest.raises(InsertError, match="cannot type 你好🙂 .*the text is in the history"):
        keyboard.type("hi 你好 🙂")
    assert keysyms(portal) == []


@pytest.mark.slow
def test_1_16_session_is_keyboard_only_and_not_persistent(portal, make_keyboard, tmp_path):
    keyboard = make_keyboard(portal)
    keyboard.key("ctrl+v")
    keyboard.key("ctrl+v")
    sender = keyboard._start.bus.sender
    (create,) = portal.calls("CreateSession")
    (select,) = portal.calls("SelectDevices")
    (start,) = portal.calls("Start")  # one session for both chords
    assert create["args"][0].startswith(request_path(sender)) and create["args"][1] == keyboard._start.handle
    assert select["args"][1] == keyboard._start.handle and select["args"][3] == {"types": 1}
    assert start["args"][3] == ""  # parent window
    # 1.16: RemoteDesktop version 1, no restore token, so the user is asked at every start.
    assert keyboard.version == 1 and not (tmp_path / "remote-desktop.token").exists()
    paste = row(keyboard.checks(), "paste")
    assert paste.status == OK and "asks at every start of Dictate" in paste.detail
    assert row(keyboard.checks(), "typing").status == UNSUPPORTED
    assert keyboard.held_modifiers() is False


@pytest.mark.slow
def test_a_declined_permission_is_an_insert_error_until_asked_again(portal, make_keyboard):
    portal.configure(Start={"response": 1})
    keyboard = make_keyboard(portal)
    for _ in range(2):
        with pytest.raises(InsertError, match="^You declined Dictate's request to control the keyboard"):
            keyboard.key("ctrl+v")
    assert len(portal.calls("Start")) == 1  # not asked again at every paste
    assert row(keyboard.checks(), "paste").status == MISSING
    portal.configure(Start={"response": 0})
    keyboard.prepare()
    keyboard.key("ctrl+v")
    assert len(portal.calls("Start")) == 2 and keysyms(portal) == chord_events("ctrl+v")


@pytest.mark.slow
def test_a_refused_or_keyboardless_session_is_an_insert_error(portal, make_keyboard):
    portal.configure(Start={"response": 2})
    with pytest.raises(InsertError, match="did not start a keyboard session .*answered 2.*restart Dictate"):
        make_keyboard(portal).key("ctrl+v")
    portal.configure(Start={"devices": 2})  # a pointer only
    with pytest.raises(InsertError, match="granted no keyboard"):
        make_keyboard(portal).key("ctrl+v")
    assert keysyms(portal) == []


@pytest.mark.slow
def test_the_first_paste_does_not_hang_on_the_dialog(portal, make_keyboard):
    portal.configure(Start={"delay": 2.0})
    keyboard = make_keyboard(portal, wait_s=0.5)
    keyboard.prepare()
    began = time.monotonic()
    with pytest.raises(InsertError, match="waiting for your permission to control the keyboard"):
        keyboard.key("ctrl+v")
    assert time.monotonic() - began < 1.5
    assert row(keyboard.checks(), "paste").status == MISSING
    keyboard._start.done.wait(5)
    keyboard.key("ctrl+v")  # the same session, once allowed
    assert len(portal.calls("Start")) == 1 and keysyms(portal) == chord_events("ctrl+v")


@pytest.mark.slow
def test_a_session_the_desktop_closed_is_started_anew(portal, make_keyboard):
    keyboard = make_keyboard(portal)
    keyboard.key("ctrl+v")
    portal.control("CloseSession", "s", (keyboard._start.handle,))
    deadline = time.monotonic() + 3
    while keyboard._start is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    keyboard.key("ctrl+v")
    assert len(portal.calls("Start")) == 2


# ---- a frontend that is gone, hung or absent ----

@pytest.mark.slow
def test_a_frontend_that_goes_away_is_reported_at_once(own_stack, make_hotkey, make_keyboard):
    hotkey, events = make_hotkey(own_stack)
    hotkey.start("f9", events.press, events.release, lambda: None)
    keyboard = make_keyboard(own_stack)
    keyboard.key("ctrl+v")
    events.changed.clear()
    own_stack.kill("frontend")
    assert events.changed.wait(3)
    assert hotkey.state == "failed" and hotkey.error.startswith("The desktop portal went away")
    began = time.monotonic()
    # Either "left the session bus" (our session's last call) or "No XDG desktop portal ... runs"
    # (a new session), depending on whether the name-owner signal came first.
    with pytest.raises(InsertError, match=r"xdg-desktop-portal\) (left|runs)"):
        keyboard.key("ctrl+v")
    assert time.monotonic() - began < 3


@pytest.mark.slow
def test_a_hung_frontend_is_an_error_within_the_call_timeout(own_stack, make_hotkey, make_keyboard):
    own_stack.pause("frontend")
    keyboard = make_keyboard(own_stack, call_timeout=1.0, wait_s=10)
    hotkey, events = make_hotkey(own_stack, call_timeout=1.0)
    began = time.monotonic()
    with pytest.raises(InsertError, match="got no answer in 1 s"):
        keyboard.key("ctrl+v")
    with pytest.raises(HotkeyError, match="got no answer in 1 s"):
        hotkey.start("f9", events.press, events.release, lambda: None)
    assert time.monotonic() - began < 6


@pytest.mark.slow
def test_no_portal_on_the_bus(own_stack, make_hotkey, make_keyboard):
    own_stack.kill("frontend")
    hotkey, events = make_hotkey(own_stack)
    began = time.monotonic()
    with pytest.raises(HotkeyError, match=r"^No XDG desktop portal .* bind `dictate-app toggle`"):
        hotkey.start("f9", events.press, events.release, lambda: None)
    assert row(hotkey.checks(), "hotkey").status == MISSING
    fresh, _ = make_hotkey(own_stack)
    assert row(fresh.checks(), "hotkey").status == UNSUPPORTED
    keyboard = make_keyboard(own_stack)
    with pytest.raises(InsertError, match="^No XDG desktop portal .* xdg-desktop-portal-gnome"):
        keyboard.key("ctrl+v")
    assert row(keyboard.checks(), "paste").status == UNSUPPORTED
    assert time.monotonic() - began < 3


# ---- restore tokens: a frontend double (1.16 has no RemoteDesktop version 2) ----

@pytest.mark.slow
def test_the_restore_token_is_saved_private_and_passed_back(frontend_double, make_keyboard, tmp_path):
    token_file = tmp_path / "remote-desktop.token"
    make_keyboard(frontend_double).key("ctrl+v")
    (first_select,) = frontend_double.calls("SelectDevices")
    assert {k: v for k, v in first_select["args"][1].items() if k != "handle_token"} == {"types": 1, "persist_mode": 2}
    first_token = read_token(token_file)
    assert first_token and stat.S_IMODE(token_file.stat().st_mode) == 0o600
    second = make_keyboard(frontend_double)
    second.key("ctrl+v")
    assert frontend_double.calls("SelectDevices")[1]["args"][1]["restore_token"] == first_token
    assert read_token(token_file) not in ("", first_token)  # single use: the next one is saved
    assert "remembers" in row(second.checks(), "paste").detail


@pytest.mark.slow
def test_a_token_the_portal_rejects_is_dropped(frontend_double, make_keyboard, tmp_path):
    token_file = tmp_path / "remote-desktop.token"
    token_file.write_text("not-a-uuid\n")
    make_keyboard(frontend_double).key("ctrl+v")
    rejected, accepted = frontend_double.calls("SelectDevices")
    assert rejected.get("rejected") and "restore_token" not in accepted["args"][1]
    assert read_token(token_file) not in ("", "not-a-uuid")
    assert keysyms(frontend_double) == chord_events("ctrl+v")
