"""The real-desktop benches (X11: bench.py, headless sway: sway_bench.py), the tray app and target
windows on them (app_harness.py, app_target.py), the virtual microphone (mic.py) and long takes
(long_take.py). Used by tests/desktop, tests/packaging and the desktop benchmarks."""
