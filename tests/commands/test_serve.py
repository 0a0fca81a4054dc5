"""``dictate-app serve`` refuses to start with a clear line before any model is loaded."""

import socket


def test_a_network_address_needs_a_token(cli):
    proc = cli("serve", "--host", "0.0.0.0", "--model", "/nonexistent")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "error: binding to 0.0.0.0 makes the server reachable from the network; pass --token TOKEN "
        "(or set $DICTATE_SERVER_TOKEN) so clients must send 'Authorization: Bearer TOKEN', or keep "
        "the default --host 127.0.0.1")


def test_a_taken_port_fails_at_once(cli):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = cli("serve", "--port", str(port), "--model", "/nonexistent")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: cannot listen on 127.0.0.1 port {port} (Address already in use)")


def test_limits_must_be_positive(cli):
    proc = cli("serve", "--max-batch", "0", "--model", "/nonexistent")
    assert (proc.returncode, proc.stderr.strip()) == (1, "error: --max-batch must be more than 0")


def test_a_missing_model_is_the_usual_model_error(cli, tmp_path):
    proc = cli("serve", "--port", "0", "--model", tmp_path / "none")
    assert proc.returncode == 3 and f"no model directory at {tmp_path / 'none'}" in proc.stderr
