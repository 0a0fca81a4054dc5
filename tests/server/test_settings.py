"""Loopback by default; anything else needs a token, and the start-up line says who can connect."""

import pytest

from dictate_app.errors import DictateError
from dictate_app.net import is_loopback
from dictate_app.server.settings import ServerSettings, access_line, check_exposure


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "gpu-box.example"])
def test_other_addresses_need_a_token(host):
    assert not is_loopback(host)
    with pytest.raises(DictateError, match="--token"):
        check_exposure(ServerSettings(host=host))
    check_exposure(ServerSettings(host=host, token="t"))


def test_the_start_line_says_who_can_connect():
    assert access_line(ServerSettings(), 2002) == (
        "Dictate server listening on http://127.0.0.1:2002: loopback only (this machine), no token needed")
    assert access_line(ServerSettings(host="0.0.0.0", token="t"), 8000) == (
        "Dictate server listening on http://0.0.0.0:8000: reachable from the network, every request "
        "except /health needs 'Authorization: Bearer <token>'")
    assert "http://[::1]:9" in access_line(ServerSettings(host="::1"), 9)


def test_body_limit_leaves_room_for_base64():
    settings = ServerSettings(max_bytes=3_000_000)
    assert settings.max_body_bytes == 4_000_000 + 65536
