"""Putting text into the focused application: paste or type, whatever the desktop.

``strategy`` holds the pure decisions (which method for which text), ``inserter`` the sequence
(check focus, wait for modifiers, save clipboard, paste, restore after the target's read), and
``per_app`` the user's per-application overrides. The desktop's keyboard, clipboard and focused
window come from :mod:`dictate_app.desktop`.
"""
