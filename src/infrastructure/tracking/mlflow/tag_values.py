"""Tags as the layer sends them: keys MLflow accepts, ``str`` values within MLflow's limit.

Checked before any store call, so a bad tag never leaves a half-created run behind (the file
store writes a run before it validates its tags).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Optional

from mlflow.exceptions import MlflowException
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH, _validate_tag_name

#: MLflow's own tag-key check (untyped in MLflow): raises MlflowException for a key it rejects.
_check_key: Callable[[str], None] = _validate_tag_name


def tag_values(tags: Optional[Mapping[str, Any]]) -> dict[str, str]:
    """A copy of ``tags`` with every value as ``str(value)`` (None becomes ``"None"``).

    The same values then reach every store (the REST client rejects a non-str value that the file
    and SQL stores convert). ValueError, naming the key, for a key MLflow's own validation rejects
    and for a value longer than MLflow's ``MAX_TAG_VAL_LENGTH`` (with the length): nothing is
    truncated or skipped, and no store is asked.
    """
    values = {key: str(value) for key, value in (tags or {}).items()}
    for key, value in values.items():
        try:
            _check_key(key)
        except MlflowException as exc:
            raise ValueError(f"Tag key {key!r} is not valid in MLflow: {exc.message}") from exc
        if len(value) > MAX_TAG_VAL_LENGTH:
            limit = f"MLflow allows at most {MAX_TAG_VAL_LENGTH}"
            raise ValueError(f"Tag {key!r} has a value of {len(value)} characters; {limit}")
    return values
