"""The ``mlflow server`` a workload runs against: the harness's, on sqlite or on PostgreSQL.

Started through ``mlflow_golden._backends.BackendManager`` (sqlite template or a PostgreSQL cluster
from the pgserver wheel, then ``mlflow server`` on 127.0.0.1), emptied between runs with the
harness's reset, and always stopped by ``close``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

logger = logging.getLogger(__name__)

#: Store name -> the harness's server backend.
STORES = {"sqlite": "server", "postgres": "postgres"}


class TrackingServer:
    """A running ``mlflow server`` on 127.0.0.1 whose store can be emptied between runs."""

    def __init__(self, store: str) -> None:
        from mlflow_golden._backends import BackendManager

        self.store = store
        self._manager = BackendManager()
        self._manager.may_share_server = False  # never reset a server another process uses
        try:
            self._endpoint = self._manager.server_endpoint(STORES[store])
        except BaseException:
            self._manager.close()
            raise
        self.url = self._endpoint.url
        seconds = self._manager.server_startup_seconds or 0.0
        logger.info("mlflow server (%s) on %s, started in %.1f s", store, self.url, seconds)

    def reset(self) -> None:
        from mlflow_golden._backends import reset_server

        reset_server(self._endpoint)

    def close(self) -> None:
        self._manager.close()


@contextmanager
def running_servers(stores: list[str]) -> Iterator[dict[str, TrackingServer]]:
    """One server per store, all stopped on exit (also when one fails to start)."""
    with ExitStack() as stack:
        servers: dict[str, TrackingServer] = {}
        for store in stores:
            server = TrackingServer(store)
            stack.callback(server.close)
            servers[store] = server
        yield servers
