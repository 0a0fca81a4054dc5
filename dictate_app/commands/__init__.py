"""Subcommands of `dictate-app`, one module each with `register(subparsers)`."""
