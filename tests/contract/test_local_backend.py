from pathlib import Path

import pytest

from .harness import Harness
from .local_harness import LocalHarness
from .suite import BackendContract


class TestLocalBackend(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Harness:
        return LocalHarness(tmp_path)
