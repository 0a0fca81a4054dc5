"""Wayland backends: sway, Hyprland and other wlroots compositors, and the XDG portals of GNOME and KDE."""
