"""``python -m pipeline_demo [--store sqlite|file] [--dir DIR]``: run the pipeline into a local store.

Wipes ``DIR/demo-store`` (default DIR: the working directory), runs ``run_pipeline`` against a
fresh persistent store there (sqlite: ``sqlite:///DIR/demo-store/mlflow.db``; file:
``DIR/demo-store/mlruns``), prints the run tree in the style of ``python -m mlflow_golden show``
and then the ``mlflow ui`` command that opens the store. stdout carries only those two things;
diagnostics go to logging, and what the tracking layer itself prints (each training child run is
reported) to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlflow.tracking import MlflowClient

from mlflow_golden._normalize import normalize
from mlflow_golden._recorder import CreationLog
from mlflow_golden._store_reader import read_store
from mlflow_golden._tree import render_tree
from pipeline_demo.pipeline import run_pipeline

logger = logging.getLogger("pipeline_demo")

STORE_DIR_NAME = "demo-store"
STORES = ("sqlite", "file")
FILE_STORE_ENV = "MLFLOW_ALLOW_FILE_STORE"
#: Snapshot keys that describe a scenario's outcome, not the store: left out of the demo tree.
_OUTCOME_KEYS = ("result", "error", "active_run")


def store_uri(store_dir: Path, store: str) -> str:
    """The tracking URI of the demo store kind ``store`` inside ``store_dir`` (absolute)."""
    if store == "sqlite":
        return f"sqlite:///{store_dir / 'mlflow.db'}"
    return (store_dir / "mlruns").as_uri()


def ui_command(uri: str, store: str) -> str:
    """The shell command that opens the store in the MLflow UI."""
    command = f"mlflow ui --backend-store-uri {shlex.quote(uri)}"
    return f"{FILE_STORE_ENV}=true {command}" if store == "file" else command


def fresh_store_dir(base: Path) -> Path:
    """``base/demo-store``, emptied: a previous demo store is removed without asking."""
    store_dir = base / STORE_DIR_NAME
    if store_dir.is_dir():
        logger.info("Removing the previous demo store %s", store_dir)
        shutil.rmtree(store_dir)
    store_dir.mkdir(parents=True)
    return store_dir


def run_tree(uri: str, creation_order: Sequence[str]) -> str:
    """The store's experiments and runs as a tree (runs in creation order, ids shown as run-N refs)."""
    raw = read_store(MlflowClient(tracking_uri=uri), CreationLog(run_ids=list(creation_order)))
    snapshot: dict[str, Any] = {k: v for k, v in normalize(raw).items() if k not in _OUTCOME_KEYS}
    return render_tree(snapshot)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline_demo",
        description="Run the NER pipeline's MLflow tracking into a fresh local store and print its run tree.",
    )
    parser.add_argument(
        "--store", choices=STORES, default="sqlite", help="tracking store kind (default: sqlite)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder that receives {STORE_DIR_NAME}/ (default: the working directory)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.store == "file":
        os.environ[FILE_STORE_ENV] = "true"
    store_dir = fresh_store_dir((args.dir or Path.cwd()).resolve())
    uri = store_uri(store_dir, args.store)
    logger.info("Running the pipeline against %s", uri)
    summary = run_pipeline(store_dir / "workspace", tracking_uri=uri)
    sys.stdout.write(run_tree(uri, summary["creation_order"]))
    sys.stdout.write(f"\n{ui_command(uri, args.store)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
