"""What works on this desktop and what to do where it does not: ``dictate-app doctor``, the tray's
desktop line and the setup window share these facts (Qt-free).

Users of every dictation app file "text not inserted" and "hotkey does nothing" with no way to
tell why; here each capability says whether it works and the one thing to install or allow.
"""

from __future__ import annotations

from collections.abc import Sequence

from dictate_app.desktop.base import CAPABILITIES, OK, Check, Desktop


def report(desktop: Desktop, running: dict | None = None) -> dict:
    """The JSON-ready report: backend, why, every check, and the running app's own view.

    ``running`` is a running Dictate's status reply; its ``desktop.checks`` (its live hotkey's
    rows) replace this process's rows for the same capabilities."""
    checks = desktop.checks()
    live = [Check(**row) for row in ((running or {}).get("desktop") or {}).get("checks", [])]
    if live:
        replaced = {row.capability for row in live}
        order = {name: i for i, name in enumerate(CAPABILITIES)}
        checks = sorted([row for row in checks if row.capability not in replaced] + live,
                        key=lambda row: order.get(row.capability, len(order)))
    return {
        "backend": desktop.name,
        "reason": desktop.reason,
        "checks": [row.as_dict() for row in checks],
        "problems": [row.as_dict() for row in problems(checks)],
        "summary": summary(checks),
        "running": running,
    }


def problems(checks: Sequence[Check]) -> list[Check]:
    """The rows that do not work, in capability order."""
    return [row for row in checks if row.status != OK]


def summary(checks: Sequence[Check]) -> str:
    """One line for the tray: all well, or the first thing to do."""
    bad = problems(checks)
    if not bad:
        return "everything works here"
    first = bad[0]
    rest = f" (and {len(bad) - 1} more: dictate-app doctor)" if len(bad) > 1 else ""
    return f"{first.capability}: {first.fix or first.detail.rstrip('.')}{rest}"


def format_text(data: dict) -> str:
    """The report as a terminal reads it."""
    lines = [f"desktop backend: {data['backend']} ({data['reason']})"]
    width = max(len(name) for name in CAPABILITIES)
    for row in data["checks"]:
        mark = {"ok": "ok", "missing": "MISSING", "unsupported": "no"}.get(row["status"], row["status"])
        lines.append(f"  {row['capability']:<{width}}  {mark:<7}  {row['detail']}")
        if row["fix"] and row["status"] != OK:
            lines.append(f"  {'':<{width}}  {'':<7}  -> {row['fix']}")
    running = data.get("running")
    if running:
        problem = (running.get("desktop") or {}).get("hotkey_problem")
        lines.append(f"running Dictate: {running.get('phase')}; hotkey {running.get('hotkey')}: "
                     f"{problem or 'listening'}")
    lines.append(f"summary: {data['summary']}")
    return "\n".join(lines)
