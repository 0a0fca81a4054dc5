"""Which hosts are this machine (the server's exposure rule and the AI modes' "stays on this computer")."""

import pytest

from dictate_app.net import is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_addresses(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "gpu-box.example", ""])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)
