"""python -m coursekit.bench: see coursekit/bench/cli.py."""

import sys

from coursekit.bench.cli import main

sys.exit(main())
