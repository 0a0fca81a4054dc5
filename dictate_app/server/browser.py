"""What a web browser may ask of the server: the Host check against DNS rebinding, the Origin check
against cross-site requests, and CORS for the web pages the user allowed.

Any page the user visits can make the browser send requests to ``http://127.0.0.1:2002``. Without
these checks it could POST audio there (a form post or a ``text/plain`` fetch needs no CORS
permission), and a page that renames its own host to 127.0.0.1 (DNS rebinding) could even read the
answers. So, on a loopback server without a token, a request must be addressed to ``localhost``,
``127.0.0.1`` or ``[::1]`` on the server's own port (a rebinding page's requests carry its own
name); with a token, the token is the check. On every server a request whose ``Origin`` is not the
server's own is refused, unless the user allowed that origin (``--allow-origin``); then it gets
CORS headers, preflights included. Programs (curl, the ``openai`` client, other Dictate installs)
send no ``Origin`` and are not affected.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dictate_app.errors import DictateError

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
ALLOWED_METHODS = b"GET, POST, OPTIONS"
ALLOWED_HEADERS = b"Authorization, Content-Type"
# Browsers cache a preflight this long (seconds), so a page does not preflight every request.
PREFLIGHT_MAX_AGE = b"600"


def check_origin(value: str) -> str:
    """``--allow-origin``'s value, normalised (``https://app.example:8443``); DictateError if it is
    not an origin (a scheme and a host, no path)."""
    text = value.strip().rstrip("/").lower()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise DictateError(f"--allow-origin {value!r} is not a web origin; give the page's scheme and host "
                           "as the browser sends them, like https://app.example or http://localhost:3000")
    return text


class BrowserPolicy:
    """The Host and Origin rules of one server; ``check_host`` is on for loopback without a token."""

    def __init__(self, check_host: bool, allowed_origins: tuple[str, ...] = ()) -> None:
        self.check_host = check_host
        self.allowed_origins = frozenset(check_origin(origin) for origin in allowed_origins)

    def refusal(self, scope) -> tuple[int, str] | None:
        """(403, sentence) for a request a browser must not make, else None."""
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1").strip().lower()
        if self.check_host and host:  # no Host at all: HTTP/1.0 from a program, never a browser
            port = (scope.get("server") or (None, None))[1]  # the port this connection came in on
            names = {f"{name}:{port}" for name in LOOPBACK_NAMES}
            if port == 80:  # a browser leaves out the default port
                names.update(LOOPBACK_NAMES)
            if host not in names:
                return 403, (f"this server only answers requests for localhost, 127.0.0.1 or [::1] port "
                             f"{port}, not for {host!r}: call it as http://127.0.0.1:{port}, or start it "
                             "with a token to serve other names")
        origin = self.origin(scope)
        if origin is not None and not self._same_origin(origin, host) and origin not in self.allowed_origins:
            return 403, (f"requests from web pages are refused and this one came from {origin}; start "
                         f"the server with --allow-origin {origin} if that page should use it")
        return None

    @staticmethod
    def origin(scope) -> str | None:
        """The request's ``Origin`` header, lower-case, or None."""
        for name, value in scope.get("headers") or []:
            if name == b"origin":
                return value.decode("latin-1").strip().lower()
        return None

    @staticmethod
    def is_preflight(scope) -> bool:
        """A browser's CORS preflight (OPTIONS with Origin and Access-Control-Request-Method)."""
        if scope.get("method") != "OPTIONS":
            return False
        names = {name for name, _ in scope.get("headers") or []}
        return b"origin" in names and b"access-control-request-method" in names

    def cors_headers(self, scope) -> list[tuple[bytes, bytes]]:
        """Headers that let an allowed page read the answer; none for a request that has no Origin
        or comes from the server's own pages."""
        origin = self.origin(scope)
        if origin is None or origin not in self.allowed_origins:
            return []
        return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
                (b"access-control-expose-headers", b"Retry-After")]

    @staticmethod
    def preflight_headers() -> list[tuple[bytes, bytes]]:
        """What a preflight's answer adds to :meth:`cors_headers`: the methods and headers a page
        may send (the Origin check has already passed)."""
        return [(b"access-control-allow-methods", ALLOWED_METHODS),
                (b"access-control-allow-headers", ALLOWED_HEADERS),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE)]

    @staticmethod
    def _same_origin(origin: str, host: str) -> bool:
        # The server's own pages (/docs) send Origin http://<the Host they were loaded from>.
        return bool(host) and urlsplit(origin).netloc == host
