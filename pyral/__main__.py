"""``python -m pyral``: the same command line as the ``pyral`` console script."""

from __future__ import annotations

import sys

from pyral.cli import main

if __name__ == "__main__":
    sys.exit(main())
