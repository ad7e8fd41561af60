"""Settings every in-process test shares.

The daily partitions are built when `pipelines.defs` is first imported, from
COSTLINE_PARTITIONS_START (by default the day before the input's earliest request, which for the
bundled sample is in 2026). Unit tests materialise fixed 2025 days in-process, so they pin the
first partition here, before anything imports the definitions. Tests of the default itself and
every CLI subprocess test clear COSTLINE_* variables from their environment.
"""

import os

os.environ.setdefault("COSTLINE_PARTITIONS_START", "2025-01-01")
