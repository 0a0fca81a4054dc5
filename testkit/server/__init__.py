"""A real ``dictate-app serve`` process and what drives it (harness.py), and hostile audio against
it with the server's memory read from /proc (bombs.py)."""
