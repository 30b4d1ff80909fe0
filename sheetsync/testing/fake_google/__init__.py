"""In-process, stateful fake of the Google Sheets v4, Calendar v3 and Gmail v1 HTTP APIs.

Real clients talk to it through their own transports, never the network::

    fake = FakeGoogle()
    ss_id = fake.sheets.create_spreadsheet("Register", {"Partners": [["Name"], ["Dr Webster"]]})

    gc = gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())
    gc.open_by_key(ss_id).values_batch_get(["Partners"])

    calendar = googleapiclient.discovery.build(
        "calendar", "v3", http=fake.http(), static_discovery=True)

Requests are matched to the bundled discovery documents and their bodies validated against
the schemas; state changes, faults, hooks and counters are on the :class:`FakeGoogle`.
"""

from .errors import ApiError
from .faults import Fault, Faults
from .server import DEFAULT_OWNER, DEFAULT_TOKEN, CallCounter, FakeGoogle, FakeRequest

__all__ = [
    "DEFAULT_OWNER",
    "DEFAULT_TOKEN",
    "ApiError",
    "CallCounter",
    "FakeGoogle",
    "FakeRequest",
    "Fault",
    "Faults",
]
