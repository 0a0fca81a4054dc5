"""Putting text into the focused application: paste or type, per platform.

``strategy`` holds the pure decisions (which method, which keys), ``inserter`` the sequence
(check focus, wait for modifiers, save clipboard, paste, restore), ``x11`` the xdotool backend and
``qt_clipboard`` the one backend that needs Qt (the app's own clipboard, so no helper process).
"""
