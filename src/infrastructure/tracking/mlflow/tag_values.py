"""Tag values as the layer sends them: ``str``, within MLflow's limit, checked before any store call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from mlflow.utils.validation import MAX_TAG_VAL_LENGTH


def tag_values(tags: Optional[Mapping[str, Any]]) -> dict[str, str]:
    """A copy of ``tags`` with every value as ``str(value)`` (None becomes ``"None"``).

    The same values then reach every store (the REST client rejects a non-str value that the file
    and SQL stores convert). A value longer than MLflow's ``MAX_TAG_VAL_LENGTH`` raises ValueError
    naming the key and the length: nothing is truncated, and no store is asked.
    """
    values = {key: str(value) for key, value in (tags or {}).items()}
    for key, value in values.items():
        if len(value) > MAX_TAG_VAL_LENGTH:
            limit = f"MLflow allows at most {MAX_TAG_VAL_LENGTH}"
            raise ValueError(f"Tag {key!r} has a value of {len(value)} characters; {limit}")
    return values
