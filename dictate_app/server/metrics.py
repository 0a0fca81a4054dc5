"""Counters and a latency histogram, rendered in Prometheus' text exposition format by hand.

Four families the issue asks for (requests, errors, audio seconds, latency) plus what an operator
needs to size replicas: batch sizes, model time, queue depth. Thread-safe: the HTTP side and the
model thread both record.
"""

from __future__ import annotations

import threading
from collections import Counter

# Request latency buckets (seconds): push-to-talk lives under 1 s; long files take longer.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16)


class Histogram:
    """Cumulative-bucket histogram of one labelled series."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.count += 1


class Metrics:
    """Everything ``/metrics`` reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, int]] = Counter()
        self.errors: Counter[tuple[str, str]] = Counter()
        self.latency: dict[str, Histogram] = {}
        self.audio_seconds = 0.0
        self.batch_sizes = Histogram(BATCH_BUCKETS)
        self.model_seconds = 0.0

    def observe_request(self, endpoint: str, status: int, seconds: float, error_kind: str | None = None) -> None:
        """One answered request (any status) and how long it took."""
        with self._lock:
            self.requests[(endpoint, status)] += 1
            if error_kind:
                self.errors[(endpoint, error_kind)] += 1
            self.latency.setdefault(endpoint, Histogram(LATENCY_BUCKETS)).observe(seconds)

    def observe_audio(self, seconds: float) -> None:
        """Audio transcribed successfully."""
        with self._lock:
            self.audio_seconds += seconds

    def observe_batch(self, size: int, seconds: float) -> None:
        """One model pass over ``size`` clips."""
        with self._lock:
            self.batch_sizes.observe(size)
            self.model_seconds += seconds

    def render(self, gauges: dict[str, tuple[str, float]] | None = None) -> str:
        """The text format (version 0.0.4); ``gauges`` maps name -> (help, value)."""
        out: list[str] = []
        with self._lock:
            _family(out, "dictate_requests_total", "counter",
                    "Transcription requests answered, by endpoint and HTTP status.",
                    [({"endpoint": e, "status": str(s)}, n) for (e, s), n in sorted(self.requests.items())])
            _family(out, "dictate_errors_total", "counter",
                    "Transcription requests refused or failed, by endpoint and kind.",
                    [({"endpoint": e, "kind": k}, n) for (e, k), n in sorted(self.errors.items())])
            _family(out, "dictate_audio_seconds_total", "counter",
                    "Seconds of audio transcribed.", [({}, self.audio_seconds)])
            _family(out, "dictate_model_seconds_total", "counter",
                    "Seconds the model thread spent in inference.", [({}, self.model_seconds)])
            _histogram(out, "dictate_request_duration_seconds",
                       "Time from request to answer, by endpoint.",
                       [({"endpoint": e}, h) for e, h in sorted(self.latency.items())])
            _histogram(out, "dictate_batch_size", "Clips per model pass.", [({}, self.batch_sizes)])
        for name, (help_text, value) in (gauges or {}).items():
            _family(out, name, "gauge", help_text, [({}, value)])
        return "\n".join(out) + "\n"


def _labels(labels: dict[str, str], extra: dict[str, str] | None = None) -> str:
    merged = {**labels, **(extra or {})}
    if not merged:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in merged.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _family(out: list[str], name: str, kind: str, help_text: str, samples) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        out.append(f"{name}{_labels(labels)} {_number(value)}")


def _histogram(out: list[str], name: str, help_text: str, series) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} histogram")
    for labels, hist in series:
        for bound, count in zip(hist.buckets, hist.counts):
            out.append(f"{name}_bucket{_labels(labels, {'le': _number(bound)})} {count}")
        out.append(f"{name}_bucket{_labels(labels, {'le': '+Inf'})} {hist.count}")
        out.append(f"{name}_sum{_labels(labels)} {_number(hist.total)}")
        out.append(f"{name}_count{_labels(labels)} {hist.count}")
