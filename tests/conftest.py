"""Settings every in-process test shares.

The code location (`pipelines.definitions.defs`) reads COSTLINE_PARTITIONS_START from the
environment for its first daily partition (by default the day before the input's earliest
request, which for the bundled sample is in 2026). Unit tests materialise fixed 2025 days
in-process, so they pin the first partition here. Tests of the default itself and every CLI
subprocess test clear COSTLINE_* variables from their environment.
"""

import os

os.environ.setdefault("COSTLINE_PARTITIONS_START", "2025-01-01")
