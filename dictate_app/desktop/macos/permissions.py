"""macOS privacy permissions: Accessibility (post keys, read the focused window's title) and Input
Monitoring (an event tap sees keys), checked at start with one message that names what is missing
and opens the System Settings pane of the first missing one.

Written against the documentation (``AXIsProcessTrustedWithOptions``,
``CGPreflightListenEventAccess``/``CGRequestListenEventAccess``, the ``x-apple.systempreferences``
URLs); never run on macOS. Without Input Monitoring an event tap is created yet sees no keys
(OpenWhispr #368: its hotkey failed silently), so the check is explicit instead of inferred.
The microphone needs no code: macOS asks on the first capture, with the bundle's
``NSMicrophoneUsageDescription`` (packaging/dictate.spec).

macOS keeps each grant against the app's code signature (its designated requirement). An update
signed with the same identity and bundle id keeps the grants; an ad hoc signed build's requirement
is its hash, so after each update the old entry is stale: still listed and switched on, yet not
this app (Handy #1234, #1618). The fix is to remove the entry (the minus button) and add the app
again, which :data:`STALE_HINT` says.
"""

from __future__ import annotations

from dataclasses import dataclass

SETTINGS_URL = "x-apple.systempreferences:com.apple.preference.security?{}"
STALE_HINT = ("if Dictate is already listed and switched on (an update replaced it), remove it with "
              "the minus button and add it again")


@dataclass(frozen=True)
class Permission:
    """One privacy permission: its System Settings name, what it is for, its pane anchor."""

    name: str
    purpose: str
    anchor: str

    @property
    def url(self) -> str:
        return SETTINGS_URL.format(self.anchor)


ACCESSIBILITY = Permission("Accessibility", "to paste and type into other apps and see their window titles",
                           "Privacy_Accessibility")
INPUT_MONITORING = Permission("Input Monitoring", "to see the dictation key", "Privacy_ListenEvent")


class Permissions:
    """The permission facts of this process, read through the adapter (see :mod:`.quartz`)."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.asked = False

    def granted(self, permission: Permission) -> bool:
        if permission is ACCESSIBILITY:
            return self.adapter.accessibility_trusted(prompt=False)
        return self.adapter.listen_access()

    def missing(self) -> list[Permission]:
        return [p for p in (INPUT_MONITORING, ACCESSIBILITY) if not self.granted(p)]

    def message(self, missing: list[Permission] | None = None) -> str | None:
        """One sentence on every missing permission and what to do, or None when all are given."""
        missing = self.missing() if missing is None else missing
        if not missing:
            return None
        needs = " and ".join(f"{p.name} ({p.purpose})" for p in missing)
        panes = " and ".join(p.name for p in missing)
        return (f"Dictate needs {needs}: allow Dictate under System Settings > Privacy & Security > "
                f"{panes} ({STALE_HINT}), then quit and start Dictate again.")

    def request(self) -> str | None:
        """At start: when something is missing, ask for the *first* missing permission only (its
        system request lists Dictate in that pane; macOS shows its own alert the first time) and
        open that pane, so the user meets one window, not three; the next start asks for the
        next one. Returns the message (every missing permission), or None."""
        missing = self.missing()
        if not missing:
            return None
        if not self.asked:
            self.asked = True
            first = missing[0]
            if first is INPUT_MONITORING:
                self.adapter.request_listen_access()
            else:
                self.adapter.accessibility_trusted(prompt=True)
            self.adapter.open_url(first.url)
        return self.message(missing)
