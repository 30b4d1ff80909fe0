import sys
from pathlib import Path

# The Google harness lives beside the Google backend's own tests.
sys.path.insert(0, str(Path(__file__).parents[1] / "backends" / "google"))
