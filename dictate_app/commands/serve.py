"""``dictate-app serve``: the speech API other apps (and other Dictate installs) call.

Binds first (a taken port fails in a second, not after the model load), raises the open-files
limit, loads the model, then says who can reach it and serves with uvicorn (on the guarded
protocol of :mod:`dictate_app.server.protocol`) until Ctrl+C / SIGTERM.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

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
    from dictate_app.commands.transcribe import ps_warning

    parser.add_argument("--token", default=None,
                        help=f"require 'Authorization: Bearer TOKEN' (default: $DICTATE_SERVER_TOKEN); "
                             f"{ps_warning('--token')}")
    parser.add_argument("--token-file", type=Path, default=None, metavar="PATH",
                        help="read the token from this file (its first line)")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="let web pages from ORIGIN (https://app.example) call the server from a browser; "
                             "repeat for more (default: none, browsers' cross-site requests get 403)")
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
    parser.add_argument("--deadline", type=float, default=defaults.deadline_s, metavar="SECONDS",
                        help="a request whose audio has not reached the model this long after it arrived "
                             "gets 504 (default %(default)g)")
    parser.add_argument("--max-connections", type=int, default=defaults.max_connections, metavar="N",
                        help="connections held at once, lowered to fit the open-files limit; idle ones "
                             "make room for new ones (default %(default)d)")
    parser.add_argument("--header-timeout", type=float, default=defaults.header_timeout_s, metavar="SECONDS",
                        help="time for a client to send its request headers (default %(default)g)")
    parser.add_argument("--body-timeout", type=float, default=defaults.body_timeout_s, metavar="SECONDS",
                        help=f"time for a request body, plus 1 s per {defaults.body_min_rate // 1024} KB "
                             "received (default %(default)g)")
    parser.set_defaults(run=run)


def settings_from_args(args) -> ServerSettings:
    """The command line (and $DICTATE_SERVER_TOKEN) as :class:`ServerSettings`."""
    from dictate_app.commands.transcribe import resolve_token
    from dictate_app.server.browser import check_origin

    token = resolve_token(args.token, args.token_file, "--token")
    for name, value in (("--max-mb", args.max_mb), ("--max-seconds", args.max_seconds),
                        ("--queue", args.queue), ("--max-batch", args.max_batch), ("--deadline", args.deadline),
                        ("--max-connections", args.max_connections), ("--header-timeout", args.header_timeout),
                        ("--body-timeout", args.body_timeout)):
        if value <= 0:
            raise DictateError(f"{name} must be more than 0")
    return ServerSettings(
        host=args.host, port=args.port, token=token, max_bytes=int(args.max_mb * 2**20),
        max_seconds=args.max_seconds, queue_size=args.queue, max_batch=args.max_batch,
        batch_wait_ms=max(0.0, args.batch_wait_ms), deadline_s=args.deadline,
        max_connections=args.max_connections, header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout, allowed_origins=tuple(check_origin(o) for o in args.allow_origin),
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
    from dictate_app.server.protocol import (ConnectionLimits, connection_budget, open_files_now, protocol_class,
                                             raise_open_files_limit)
    from dictate_app.server.settings import access_line
    from dictate_app.commands.options import model_folder

    settings = settings_from_args(args)
    check_exposure(settings)
    sock = bind(settings.host, settings.port)
    try:
        open_files = raise_open_files_limit()
        model_dir = model_folder(args).path
        print(f"loading the model from {model_dir} ...", file=sys.stderr, flush=True)
        engine = load_engine(model_dir, device=args.device, threads=args.threads, backend=args.backend)
        app = create_app(engine, settings)
        limit, backlog = connection_budget(settings.max_connections, open_files, open_files_now(),
                                           settings.intake_requests)
        if limit < settings.max_connections:
            print(f"at most {limit} connections at once: the open-files limit is {open_files} (raise it with "
                  "`ulimit -n` for more)", file=sys.stderr, flush=True)
        print(f"{access_line(settings, sock.getsockname()[1])} ({engine.backend} on {engine.device})",
              file=sys.stderr, flush=True)
        limits = ConnectionLimits(limit, settings.header_timeout_s, settings.body_timeout_s, settings.body_min_rate)
        config = uvicorn.Config(
            app, log_config=None, access_log=logging.getLogger().isEnabledFor(logging.INFO),
            lifespan="on", timeout_graceful_shutdown=10, http=protocol_class(limits), backlog=backlog,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0
