"""MLflow's SQL tracking store, imported only by the backends that run on it.

``mlflow.store.tracking.sqlalchemy_store`` makes SQLAlchemy warn at import time (MLflow uses a
deprecated loader strategy), which fails a user's tests under ``-W error``. The file backend never
imports it; the sqlite backend (and the server backend, whose template database it migrates)
imports it here, with the warnings of that one import silenced: they are MLflow's, not the user's.
"""

from __future__ import annotations

import sys
import warnings
from typing import Final

#: The modules that hold the SQL store and its models (patched by the harness only once loaded).
SQL_STORE_MODULE: Final = "mlflow.store.tracking.sqlalchemy_store"
SQL_MODULES: Final = (SQL_STORE_MODULE, "mlflow.store.tracking.dbmodels.models")


def sql_store_class() -> type:
    """``SqlAlchemyStore``, imported on first use without leaking its import-time warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    return SqlAlchemyStore


def sql_store_loaded() -> bool:
    """True once something in this process imported the SQL store (the harness or the user's code)."""
    return SQL_STORE_MODULE in sys.modules
