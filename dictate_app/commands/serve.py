"""``dictate-app serve``: the speech API other apps (and other Dictate installs) call.

Binds first (a taken port fails in a second, not after the model load), then loads the model,
then says who can reach it and serves with uvicorn until Ctrl+C / SIGTERM.
"""

from __future__ import annotations

import os
import socket
import sys

from dictate_app.errors import DictateError
from dictate_app.server.settings import DEFAULT_HOST, DEFAULT_PORT, ServerSettings, check_exposure


def register(subparsers) -> None:
    from dictate_app.commands.transcribe import add_engine_arguments

    parser = subparsers.add_parser(
        "serve", help="serve the model over HTTP (/asr, OpenAI-compatible /v1/audio/transcriptions)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind (default 127.0.0.1; any other needs --token)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (default 2002; 0: any free port)")
    add_engine_arguments(parser, remote=False, backend=True)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for the model (default: all cores)")
    parser.add_argument("--token", default=None,
                        help="require 'Authorization: Bearer TOKEN' (default: $DICTATE_SERVER_TOKEN)")
    defaults = ServerSettings()
    parser.add_argument("--max-mb", type=float, default=defaults.max_bytes / 2**20,
                        help="largest audio file accepted, in MiB (default %(default)g)")
    parser.add_argument("--max-seconds", type=float, default=defaults.max_seconds,
                        help="longest audio accepted (default %(default)g)")
    parser.add_argument("--queue", type=int, default=defaults.queue_size,
                        help="requests that may wait for the model before 503 (default %(default)d)")
    parser.add_argument("--max-batch", type=int, default=defaults.max_batch,
                        help="clips per model pass (default %(default)d; 1 turns batching off)")
    parser.add_argument("--batch-wait-ms", type=float, default=defaults.batch_wait_ms,
                        help="wait this long for more clips before a pass (default %(default)g)")
    parser.set_defaults(run=run)


def settings_from_args(args) -> ServerSettings:
    """The command line (and $DICTATE_SERVER_TOKEN) as :class:`ServerSettings`."""
    from dictate_app.engine.remote_backend import ENV_SERVER_TOKEN

    token = args.token if args.token is not None else os.environ.get(ENV_SERVER_TOKEN) or None
    for name, value in (("--max-mb", args.max_mb), ("--max-seconds", args.max_seconds),
                        ("--queue", args.queue), ("--max-batch", args.max_batch)):
        if value <= 0:
            raise DictateError(f"{name} must be more than 0")
    return ServerSettings(
        host=args.host, port=args.port, token=token, max_bytes=int(args.max_mb * 2**20),
        max_seconds=args.max_seconds, queue_size=args.queue, max_batch=args.max_batch,
        batch_wait_ms=max(0.0, args.batch_wait_ms),
    )


def bind(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn; a clear error when the address is taken or unknown."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise DictateError(f"cannot bind to {host!r}: {exc.strerror}; pass --host with an address of this machine") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise DictateError(f"cannot listen on {host} port {port} ({exc.strerror}); pass another --port, "
                           "or stop the program that uses it") from None
    sock.set_inheritable(True)
    return sock


def run(args) -> int:
    import logging

    import uvicorn

    from dictate_app.engine.loader import load_engine
    from dictate_app.server.app import create_app
    from dictate_app.server.settings import access_line
    from dictate_app.store.model_store import default_model_dir

    settings = settings_from_args(args)
    check_exposure(settings)
    sock = bind(settings.host, settings.port)
    try:
        model_dir = args.model or default_model_dir()
        print(f"loading the model from {model_dir} ...", file=sys.stderr, flush=True)
        engine = load_engine(model_dir, device=args.device, threads=args.threads, backend=args.backend)
        app = create_app(engine, settings)
        print(f"{access_line(settings, sock.getsockname()[1])} ({engine.backend} on {engine.device})",
              file=sys.stderr, flush=True)
        config = uvicorn.Config(
            app, log_config=None, access_log=logging.getLogger().isEnabledFor(logging.INFO),
            lifespan="on", timeout_graceful_shutdown=10,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0
