import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# tests/ holds shared builders; make them importable as a plain module.
sys.path.insert(0, str(Path(__file__).parent))

# Hypothesis: few examples when CI is set (the whole suite must stay fast on 2 cores).
# Tests that run whole syncs cap their own examples with ``examples(N)`` (builders), so
# this profile lowers them too.
# Derandomized there too: CI must not go red on a run-to-run draw of examples.
settings.register_profile("ci", max_examples=10, deadline=None, derandomize=True,
                          database=None, suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("CI"):
    settings.load_profile("ci")

# Every steady run (core.steady: nothing changed since the last write, planning skipped)
# is planned in full as well, and must agree: no change, no write, the same report.
# tests/test_steady.py turns it off where it counts calls or checks the check itself.
from sheetsync.core import steady  # noqa: E402

steady.VERIFY = True
