"""The Windows same-user check of the control pipe (dictate_app/desktop/windows/pipe_peer.py) over
the double, and single_instance routing its peer check there on Windows."""

from __future__ import annotations

from types import SimpleNamespace

import dictate_app.app.single_instance as single_instance
from dictate_app.desktop.windows.pipe_peer import foreign_pipe_peer
from tests.desktop.windows.fake_win32 import FakeWin32

OURS = "S-1-5-21-1-2-3-1001"


def test_our_own_peer_is_trusted():
    api = FakeWin32()
    api.pipe_peers[7] = (500, 1)
    api.sids[500] = OURS
    assert foreign_pipe_peer(7, True, api) is None
    assert ("pipe_peer", 7, True) in api.calls


def test_a_peer_in_another_session_is_another_user():
    """Pitfall: pipe names are machine-wide: another signed-in user's Dictate (another session) must
    not answer our commands or send us its own; its process need not be readable for this."""
    api = FakeWin32()
    api.pipe_peers[7] = (500, 2)
    assert foreign_pipe_peer(7, False, api) == "session 2"
    assert ("sid", 500) not in api.calls


def test_a_readable_token_of_another_user_is_another_user():
    api = FakeWin32()
    api.pipe_peers[7] = (500, 1)
    api.sids[500] = "S-1-5-21-1-2-3-1002"
    assert foreign_pipe_peer(7, True, api) == "S-1-5-21-1-2-3-1002"


def test_an_unreadable_token_in_our_session_is_trusted():
    """Our own Dictate run as administrator: its token may not be readable from a normal process."""
    api = FakeWin32()
    api.pipe_peers[7] = (500, 1)
    assert foreign_pipe_peer(7, True, api) is None
    assert foreign_pipe_peer(-1, True, api) is None  # no handle: nothing to tell it by


def test_single_instance_asks_the_pipe_check_on_windows(monkeypatch):
    """The server end asks about its client, the client end about its server."""
    asked = []
    monkeypatch.setattr(single_instance, "sys", SimpleNamespace(platform="win32"))
    monkeypatch.setattr("dictate_app.desktop.windows.pipe_peer.foreign_pipe_peer",
                        lambda handle, peer_is_client: asked.append((handle, peer_is_client)) or "session 2")
    sock = SimpleNamespace(socketDescriptor=lambda: 42)
    assert single_instance.foreign_peer(sock) == "session 2"
    assert single_instance.foreign_peer(sock, peer_is_client=False) == "session 2"
    assert asked == [(42, True), (42, False)]
    assert single_instance._who("session 2") == "session 2" and single_instance._who(65534) == "uid 65534"
