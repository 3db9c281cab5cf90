"""``python -m portfolio``: the command-line interface."""

import sys

from portfolio.cli import main

sys.exit(main())
