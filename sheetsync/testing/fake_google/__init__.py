"""In-process, stateful fake of the Google Sheets v4, Calendar v3 and Gmail v1 HTTP APIs.

Real clients talk to it through their own transports, never the network::

    fake = FakeGoogle()                     # FakeGoogle(latency=0.05) for benchmarks
    ss_id = fake.sheets.create_spreadsheet(
        "Register", {"Partners": [["Name", "Last contact"], ["Dr Webster", "2026-01-05"]]},
        time_zone="Europe/London")

    gc = gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())
    gc.open_by_key(ss_id).values_batch_get(["Partners"])

    calendar = build("calendar", "v3", http=fake.http(), static_discovery=True)
    gmail = build("gmail", "v1", http=fake.http(), static_discovery=True)

Every request is matched to the bundled discovery documents (``discovery.py``): unknown
methods 404, unknown query parameters and body fields 400, bodies are type-checked.

Test API (all on the ``FakeGoogle`` instance):

* ``sheets``: ``create_spreadsheet``, ``add_sheet``, ``delete_sheet``, ``rename_sheet``,
  ``insert_rows``, ``delete_rows``, ``sort``, ``set_cell``, ``get_values``, ``cell``,
  ``developer_metadata``, ``metadata_row``, ``spreadsheets`` (the state).
* ``calendar``: ``add_calendar``, ``events``, ``event``, ``user_deletes_event``,
  ``user_moves_event``, ``user_edits_event``, ``purge_deleted``.
* ``gmail``: ``draft_list``, ``message_list``, ``owner_sends_draft``, ``owner_deletes_draft``,
  ``owner_edits_draft``, ``receive`` (threaded by its headers, as Gmail does),
  ``thread_messages``, ``owner_deletes_thread``, ``relabel``, ``expire_history``,
  ``history`` (``users.history.list``; ``history.kept``), ``api_sends``
  (drafts.send/messages.send calls). ``inbound`` writes replies and delivery reports.
* ``faults.add(api=, method=, status=, times=, retry_after=, reason=, timeout=, applied=,
  in_batch=, skip=)``; ``faults.clear()``; ``faults.pending``.
* ``quotas.enforce(window=, sheets_per_minute=, calendar_per_minute=,
  gmail_units_per_minute=)``: Google's per-minute quotas (``quota.py``), sliding windows
  of ``window`` seconds; ``quotas.exceeded`` counts every refusal by API.
* ``before_request(hook)`` / ``remove_hook(hook)``: ``hook(FakeRequest)`` before each call.
* ``calls`` (Counter of ``(api, discovery method id)``), ``round_trips`` (Counter of api),
  ``log`` (every FakeRequest), ``reset_counters()``.
* ``auth.require`` / ``auth.valid_tokens`` / ``auth.scopes``; ``clock.set()``/``advance()``.
"""

from .errors import ApiError
from .faults import Fault, Faults
from .quota import Quotas
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
    "Quotas",
]
