"""The desktop platform layer: everything Dictate needs from a desktop, behind one interface.

- ``keys``: the key and chord vocabulary (``f9``, ``ctrl_r``, ``ctrl+shift+v``), labels, migration.
- ``base``: the interface (:class:`~dictate_app.desktop.base.Desktop` and its parts) and ``Check``.
- ``session``: which desktop this is, from the environment.
- ``choose``: builds the backend for a session (lazy imports: one platform's code loads).
- one package or module per platform: ``x11``, ``wayland`` (sway, Hyprland, other wlroots, and
  the XDG portals of GNOME and KDE).

The coordinator, shell, settings and per-app rules import only ``keys`` and ``base``.
"""
