"""``python -m mlflow_golden``: see ``mlflow_golden._cli``."""

from __future__ import annotations

from mlflow_golden._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
