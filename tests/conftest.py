import sys
from pathlib import Path

# tests/ holds shared builders; make them importable as a plain module.
sys.path.insert(0, str(Path(__file__).parent))
