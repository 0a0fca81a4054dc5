"""``python -m dictate_app`` is the same as the ``dictate-app`` command."""

import sys

from dictate_app.cli import main

sys.exit(main())
