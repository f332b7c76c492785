"""``python -m concord.cli``: the same as the ``concord`` console script."""

import sys

from concord.cli import main

sys.exit(main())
