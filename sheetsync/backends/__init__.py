"""Backends: the CLI picks one from the config. Each is imported only when used, so
``sheetsync --help`` never loads the Google client libraries."""

from __future__ import annotations

from sheetsync.core.config import Config
from sheetsync.core.ports import Workspace


def open_workspace(config: Config) -> Workspace:
    if config.backend == "google":
        from sheetsync.backends.google import open_google_workspace

        return open_google_workspace(config.google, config.base_dir)
    from sheetsync.backends.local import open_local_workspace

    local = config.local
    return open_local_workspace(
        config.resolve(local.register_file),
        config.resolve(local.calendar),
        config.resolve(local.drafts),
        config.resolve(local.sent),
        inbox=config.resolve(local.inbox),
    )
