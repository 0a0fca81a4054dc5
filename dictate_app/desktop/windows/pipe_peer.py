"""Whose is the other end of Dictate's control pipe? The Windows half of the same-user check of
:mod:`dictate_app.app.single_instance` (Linux uses SO_PEERCRED there).

QLocalServer is a named pipe on Windows; ``UserAccessOption`` gives it an ACL for this user only,
but pipe names are machine-wide, so another user's session could own the name first and answer
our ``dictate-app status``. Two facts about the peer, neither needing access to its process:

- its **session** (GetNamedPipeClientSessionId / GetNamedPipeServerSessionId): another signed-in
  user (fast user switching, a terminal server) is another session, so a different session is
  another user;
- its **user SID**, from its process token, where that can be read (our own processes can; another
  user's usually cannot be opened at all, which is why the session is checked first): a readable
  SID that is not ours is another user.

A peer in our session whose token we cannot read (our own Dictate run as administrator) is
trusted, as the pipe's ACL already limits who can connect. Written against the documentation;
never run on Windows.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def foreign_pipe_peer(handle: int, peer_is_client: bool, api=None) -> str | None:
    """A description of the pipe's peer if it is another user ("session 2", "S-1-5-21-..."),
    else None (ours, or nothing to tell it by)."""
    if handle in (-1, 0):
        return None
    if api is None:
        from dictate_app.desktop.windows.win32 import load

        try:
            api = load()
        except OSError:
            return None
    pid, session = api.pipe_peer(handle, peer_is_client)
    ours = api.own_session()
    if session is not None and ours is not None and session != ours:
        return f"session {session}"
    if pid is None:
        return None
    theirs, mine = api.process_user_sid(pid), api.process_user_sid(None)
    if theirs is not None and mine is not None and theirs != mine:
        return theirs
    if theirs is None:
        log.debug("the control pipe's peer (process %s) is in our session; its token is not readable", pid)
    return None
