import pytest

from .harness import Harness, MemoryHarness
from .suite import BackendContract


class TestMemoryBackend(BackendContract):
    @pytest.fixture
    def harness(self) -> Harness:
        return MemoryHarness()
