"""Windows virtual-key codes for our key names (desktop/windows/vk.py), checked on Linux: every key
the settings accept has one (Fn never reaches Windows), sides are told apart, the navigation block
is extended."""

from __future__ import annotations

import pytest

from dictate_app.desktop.keys import KEY_NAMES, KeyNameError
from dictate_app.desktop.windows import vk as w


def test_every_key_name_but_fn_has_a_virtual_key():
    assert [name for name in KEY_NAMES if name not in w._VKS] == ["fn"]


def test_sides_are_told_apart_and_the_first_is_the_one_sent():
    assert w.vks("ctrl") == (w.VK_LCONTROL, w.VK_RCONTROL) and w.vk("ctrl") == w.VK_LCONTROL
    assert w.vks("ctrl_r") == (0xA3,) and w.vk("alt_gr") == w.VK_RMENU
    assert w.vk("F9") == 0x78 and w.vk("f24") == 0x87
    assert w.vk("a") == ord("A") and w.vk("7") == ord("7")


def test_unknown_names_are_a_key_name_error():
    with pytest.raises(KeyNameError):
        w.vk("hyper_9")


def test_the_insert_of_shift_insert_is_extended_and_held_modifiers_are_sided():
    assert w.vk("insert") in w.EXTENDED and w.vk("f9") not in w.EXTENDED
    assert set(w.HELD_MODIFIERS) == {v for side in ("l", "r") for name in ("shift", "ctrl", "alt", "super")
                                     for v in w.vks(f"{name}_{side}")}
    assert set(w.CHORD_VK) == {"ctrl", "shift", "alt", "super"}
