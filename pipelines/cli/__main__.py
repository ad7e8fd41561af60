"""`python -m pipelines.cli`: the `costline` command."""

import sys

from pipelines.cli import main

sys.exit(main())
