"""One press and one release per hold, from compositor binding events (pure)."""

from dictate_app.desktop.wayland.hold import Hold


def test_a_clean_hold():
    hold = Hold()
    assert hold.press(10) == [("press", 10)]
    assert hold.release(1510) == [("release", 1510)]
    assert hold.release(1600) == []  # a stray release while up


def test_repeats_of_a_held_binding_are_one_press():
    hold = Hold(repeats=True)
    events = [e for t in range(0, 1500, 40) for e in hold.press(t)]  # sway: every 40 ms when held
    assert events == [("press", 0)]
    assert hold.release(1500) == [("release", 1500)]


def test_a_lost_release_ends_at_the_next_press_whose_release_is_swallowed():
    hold = Hold()
    hold.press(0)
    assert hold.press(3000) == [("release", 3000)]  # the release of the first hold never came
    assert hold.release(3200) == []
    assert hold.press(5000) == [("press", 5000)]


def test_cancel_forgets_the_hold():
    hold = Hold()
    hold.press(0)
    hold.cancel()
    assert hold.press(900) == [("press", 900)]
