"""The backend contract suite, run on the Google workspace against the fake."""

import pytest
from contract.harness import Harness
from contract.suite import BackendContract
from google_harness import GoogleHarness


class TestGoogleBackend(BackendContract):
    @pytest.fixture
    def harness(self) -> Harness:
        return GoogleHarness()
