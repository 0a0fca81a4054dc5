"""``dictate-app serve``: SenseVoice over HTTP for other apps and for a team's shared GPU box.

Module map:
- ``settings``: limits and the loopback-or-token rule.
- ``app``: the FastAPI routes (``/asr``, ``/v1/audio/transcriptions``, ``/health``, ``/metrics``).
- ``guard``: ASGI middleware for the token, the body-size limit and request metrics.
- ``worker``: the model thread with a bounded queue and small dynamic batches.
- ``metrics``: counters and histograms in Prometheus' text format.
- ``shapes``: the JSON answers; ``errors``: the refusals (HTTP status + one sentence).
The client side is :mod:`dictate_app.engine.remote_backend`.
"""
