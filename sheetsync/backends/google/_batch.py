"""Run many google-api-python-client requests through batch requests, with retries.

Each part is described by a factory (a fresh ``HttpRequest`` per attempt) and whether it
is idempotent. Parts go out in batches of at most ``size`` through
``service.new_batch_http_request()``; parts that fail with a retryable fault are sent
again (only those parts) after a backoff, within the policy's attempts and time budget.
On a paced service (``pacer``) each batch holds what the quota lets go now.
A part that outlasts the policy ends as ``RetryLater``; a real error ends as its exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sheetsync.backends.google.pacer import batch_size, pacer_of
from sheetsync.backends.google.retry import Failure, RetryLater, RetryPolicy

MAX_BATCH = 50


class Resources:
    """``service.events()``, ``service.users().drafts()``...: built once per service.

    google-api-python-client builds a resource object afresh on every such call, creating
    every method of it (docstrings included) from the discovery document: milliseconds
    each, which made building one insert per event cost more than the whole sync.
    """

    def __init__(self) -> None:
        self._service: Any = None
        self._cache: dict[tuple[str, ...], Any] = {}

    def get(self, service: Any, *path: str) -> Any:
        if service is not self._service:
            self._service, self._cache = service, {}
        found = self._cache.get(path)
        if found is None:
            found = service
            for name in path:
                found = getattr(found, name)()
            self._cache[path] = found
        return found


@dataclass(frozen=True)
class Part:
    key: str
    factory: Callable[[], Any]  # () -> googleapiclient.http.HttpRequest
    idempotent: bool = True


@dataclass
class Outcome:
    response: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_batch(
    service: Any,
    parts: Sequence[Part],
    policy: RetryPolicy,
    *,
    size: int = MAX_BATCH,
    what: str = "request",
) -> dict[str, Outcome]:
    """Execute ``parts`` (keys must be unique) and return an outcome per key."""
    outcomes: dict[str, Outcome] = {}
    by_key = {p.key: p for p in parts}
    if len(by_key) != len(parts):
        raise ValueError("batch part keys must be unique")
    pending = [p.key for p in parts]
    clock = policy.start()
    while pending:
        failures: dict[str, Failure] = {}
        start = 0
        while start < len(pending):
            # Under a pacer, as many as the quota lets go now (``pacer.batch_size``).
            step = batch_size(service, by_key[pending[start]].factory(), size) \
                if pacer_of(service) is not None else size
            chunk = pending[start:start + step]
            start += step
            _execute_chunk(service, [by_key[k] for k in chunk], outcomes)
            for key in chunk:
                error = outcomes[key].error
                if error is not None:
                    failures[key] = policy.classify(error)
        retry = [k for k, f in failures.items()
                 if policy.may_retry(f, by_key[k].idempotent)]
        for key, failure in failures.items():
            if key not in retry and failure.verdict != "fatal":
                outcomes[key] = Outcome(error=_later(what, failure, clock.attempts,
                                                     outcomes[key].error))
        if not retry:
            break
        worst = max(failures[k].retry_after or 0.0 for k in retry)
        representative = Failure("retry", failures[retry[0]].status,
                                 failures[retry[0]].reason, worst or None)
        if not clock.wait(representative, what):
            for key in retry:
                outcomes[key] = Outcome(error=_later(what, failures[key], clock.attempts,
                                                     outcomes[key].error))
            break
        pending = retry
    return outcomes


def _later(what: str, failure: Failure, attempts: int,
           cause: BaseException | None) -> RetryLater:
    if isinstance(cause, RetryLater):
        return cause
    status = f"HTTP {failure.status}" if failure.status else failure.reason or "network"
    tries = "1 try" if attempts == 1 else f"{attempts} tries"
    return RetryLater(f"{what}: Google did not complete it ({status}) after {tries}; the "
                      "next sync tries again", cause, attempts, failure.status)


def _execute_chunk(service: Any, chunk: Sequence[Part], outcomes: dict[str, Outcome]) -> None:
    if len(chunk) == 1:
        # A batch of one is just overhead: send the request itself.
        part = chunk[0]
        try:
            outcomes[part.key] = Outcome(response=part.factory().execute(num_retries=0))
        except Exception as exc:
            outcomes[part.key] = Outcome(error=exc)
        return

    index = {str(i): part.key for i, part in enumerate(chunk)}
    for part in chunk:
        outcomes.pop(part.key, None)  # forget the previous attempt

    def callback(request_id: str, response: Any, exception: BaseException | None) -> None:
        key = index[request_id]
        outcomes[key] = Outcome(response=response, error=exception)

    batch = service.new_batch_http_request(callback=callback)
    for i, part in enumerate(chunk):
        batch.add(part.factory(), request_id=str(i))
    try:
        batch.execute()
    except Exception as exc:
        # The batch request itself failed: every part that has no answer shares the fault.
        for part in chunk:
            if part.key not in outcomes:
                outcomes[part.key] = Outcome(error=exc)
    for part in chunk:
        outcomes.setdefault(part.key, Outcome(error=RuntimeError("no answer in batch")))
