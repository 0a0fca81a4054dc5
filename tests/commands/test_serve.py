"""``dictate-app serve`` refuses to start with a clear line before any model is loaded, and takes
its token from the command line, a file or the environment."""

import socket

import pytest

from dictate_app.cli import build_parser
from dictate_app.commands.serve import settings_from_args
from dictate_app.errors import DictateError


def test_a_network_address_needs_a_token(cli):
    proc = cli("serve", "--host", "0.0.0.0", "--model", "/nonexistent")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "error: binding to 0.0.0.0 makes the server reachable from the network; give it a token "
        "(--token-file PATH, $DICTATE_SERVER_TOKEN, or --token TOKEN) so clients must send "
        "'Authorization: Bearer TOKEN', or keep the default --host 127.0.0.1")


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
    assert proc.returncode == 3 and f"there is no speech model in {tmp_path / 'none'} yet" in proc.stderr


def serve_settings(*argv):
    return settings_from_args(build_parser().parse_args(["serve", *argv]))


def test_the_token_comes_from_a_file_the_option_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("DICTATE_SERVER_TOKEN", raising=False)
    token_file = tmp_path / "token"
    token_file.write_text("from-the-file\n")
    assert serve_settings("--token-file", str(token_file)).token == "from-the-file"
    assert serve_settings("--token", "given").token == "given"
    assert serve_settings().token is None
    monkeypatch.setenv("DICTATE_SERVER_TOKEN", "from-the-env")
    assert serve_settings().token == "from-the-env"
    assert serve_settings("--token-file", str(token_file)).token == "from-the-file"


def test_a_bad_token_file_is_one_clear_line(tmp_path):
    with pytest.raises(DictateError, match="--token or --token-file, not both"):
        serve_settings("--token", "a", "--token-file", str(tmp_path / "t"))
    with pytest.raises(DictateError, match=r"cannot read the token file .*missing \(No such file or directory\)"):
        serve_settings("--token-file", str(tmp_path / "missing"))
    (tmp_path / "empty").write_text("\n\n")
    with pytest.raises(DictateError, match="is empty; put the token on its first line"):
        serve_settings("--token-file", str(tmp_path / "empty"))


def test_a_network_server_starts_with_a_token_from_a_file(cli, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("team-secret\n")
    # Past the token rule (which exits 1 before anything else), up to the missing model (exit 3).
    proc = cli("serve", "--host", "0.0.0.0", "--port", "0", "--token-file", token_file, "--model", tmp_path / "none")
    assert proc.returncode == 3 and "there is no speech model in" in proc.stderr


@pytest.mark.parametrize("command", [["serve"], ["transcribe"], []])
def test_help_says_a_token_on_the_command_line_is_visible_in_ps(cli, command):
    text = " ".join(cli(*command, "--help").stdout.split())
    option = "--token" if command == ["serve"] else "--server-token"
    assert "visible to other users in `ps`: prefer $DICTATE_SERVER_TOKEN or " + option + "-file" in text
    assert option + "-file PATH" in text


def test_allowed_origins_and_limits(tmp_path):
    settings = serve_settings("--allow-origin", "https://App.example", "--allow-origin", "http://localhost:3000",
                              "--deadline", "20", "--max-connections", "50", "--header-timeout", "5",
                              "--body-timeout", "9")
    assert settings.allowed_origins == ("https://app.example", "http://localhost:3000")
    assert (settings.deadline_s, settings.max_connections, settings.header_timeout_s, settings.body_timeout_s) == (
        20, 50, 5, 9)
    with pytest.raises(DictateError, match="'example.com' is not a web origin"):
        serve_settings("--allow-origin", "example.com")
    with pytest.raises(DictateError, match="--deadline must be more than 0"):
        serve_settings("--deadline", "0")
