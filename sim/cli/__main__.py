"""``python -m sim.cli``: the ``omsim`` command line."""

import sys

from sim.cli import main

sys.exit(main())
