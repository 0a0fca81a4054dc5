"""``dictate-app serve``: SenseVoice over HTTP for other apps and for a team's shared GPU box.

Module map:
- ``settings``: limits and the loopback-or-token rule.
- ``app``: the FastAPI routes (``/asr``, ``/v1/audio/transcriptions``, ``/health``, ``/metrics``).
- ``guard``: ASGI middleware for the browser rules, the token, the body-size limit, request
  metrics and JSON for anything unexpected; ``browser``: the Host/Origin/CORS rules it applies.
- ``intake``: the bounded stage that reads bodies and decodes audio, in front of the model's queue.
- ``worker``: the model thread with a bounded queue, small dynamic batches and deadlines.
- ``protocol``: uvicorn's HTTP/1.1 with header/body timeouts and a connection limit.
- ``metrics``: counters and histograms in Prometheus' text format.
- ``shapes``: the JSON answers; ``errors``: the refusals (HTTP status + one sentence).
The client side is :mod:`dictate_app.engine.remote_backend`.
"""
