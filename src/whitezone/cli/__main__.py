"""``python -m whitezone.cli``: the same as the ``whitezone`` command."""

import sys

from . import main

sys.exit(main())
