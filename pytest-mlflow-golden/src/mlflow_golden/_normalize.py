"""Turns a RawSnapshot into the stable, JSON-able golden snapshot (``schema: 2``).

Rules (each has a unit test in tests/harness/test_normalize.py):

* Refs. Experiments and runs get refs in creation order: ``exp-1``, ``exp-2``, ... (MLflow's
  default experiment "0" is ``exp-default``) and ``run-1``, ``run-2``, ...
* Run ids are replaced everywhere: a full 32-hex id, or its 12-character prefix, standing as a
  hex token (not touching other hex digits) inside any string.
* Experiment ids. Raw ids are small sequential integers on every backend (sqlite and the server
  count from 1; the harness makes the file store do the same), so the number "1" is often not an
  experiment id (a fold, a trial, a seed). Hence:
  - exact match: a string that IS an experiment id becomes its ref when it is the whole result,
    or when its key (tag key, param key, or nearest dict key in the result) contains "exp"
    (``experiment_id``, ``hpo_experiment``, ``exp_id``, ...); ``{"fold": "0"}`` stays "0";
  - free text: a whole-number token right after "experiment" (optionally followed by "id"/"ids",
    "with id", "=", ":" or a quote), or after "experiments/" (URLs), is replaced.
  Because raw ids are identical on all backends, an id left as a number is still stable.
* Generated run names: runs created with neither ``run_name`` nor an ``mlflow.runName`` tag are
  named ``generated-1``, ``generated-2``, ... in creation order (the server picks random names out
  of the harness's reach); the store's raw name is replaced as a token in every string.
* Metrics: each metric's history as ``[{"step": int, "value": float}, ...]`` in logging order
  (step, then timestamp, then value); timestamps are dropped.
* Artifacts: every artifact file of a run as ``{"path", "size", "sha256"}``, sorted by path. UTF-8
  text is hashed (and sized) after the same string normalization as everything else (``<tmp>``,
  ``<tracking-uri>``, run and experiment refs), so a log that embeds the temp path or a run id
  hashes the same on every run; other content is hashed raw.
* Dropped as volatile: tags ``mlflow.user``, ``mlflow.source.*``, ``mlflow.git*``; all times
  (a run keeps only ``ended``); artifact URIs (``store_reader`` never reads them, so their test is
  in tests/harness/test_store_reader.py).
* A project's own volatile values (``golden_volatile_tags``/``golden_volatile_paths`` ini options,
  ``volatile=`` of ``check``/``snapshot``): the key stays, its value becomes ``<volatile>``
  (``mlflow_golden._volatile``, applied to the normalized snapshot).
* Strings: the azureml URI becomes ``<azureml-uri>``, the tracking URI ``<tracking-uri>``, the
  test's temporary directory ``<tmp>`` (longest string first).
* Results: Run/ActiveRun -> ``{"run": ref}``, Experiment -> ``{"experiment": ref}``, tuples ->
  lists, ``Path`` -> string relative to the temp dir (else normalized string), non-finite floats
  -> "NaN"/"Infinity"/"-Infinity"; dict keys must be strings; anything else is a HarnessError
  that names the type and where it sits.
* Errors: ``{"type": ..., "message": ...}`` made backend-independent: RestException is recorded
  as MlflowException, a leading MLflow error-code prefix is stripped, and ERROR_MESSAGE_CANON
  rewrites the phrasings that differ between the file store and the SQL stores.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, Final

from mlflow.entities import Experiment, Run
from mlflow.protos import databricks_pb2

from mlflow_golden import SCHEMA_VERSION
from mlflow_golden import _volatile as volatile
from mlflow_golden._store_reader import RawArtifact, RawMetricPoint, RawSnapshot

DEFAULT_EXPERIMENT_ID: Final = "0"
DEFAULT_EXPERIMENT_REF: Final = "exp-default"
PARENT_TAG: Final = "mlflow.parentRunId"
VOLATILE_TAGS: Final = frozenset({"mlflow.user"})
VOLATILE_TAG_PREFIXES: Final = ("mlflow.source.", "mlflow.git")
#: The value a project's volatile tag or path gets in snapshots.
VOLATILE_VALUE: Final = volatile.VOLATILE_VALUE

#: Exception type names that mean the same failure on different backends.
#: RestException is what the client raises for an error answer of the tracking server; the
#: local stores raise MlflowException for the same failures.
ERROR_TYPE_ALIASES: Final[Mapping[str, str]] = {"RestException": "MlflowException"}
#: The REST layer prefixes server messages with the error code ("RESOURCE_DOES_NOT_EXIST: ...");
#: MLflow's client sometimes re-wraps that text in an MlflowException, so the prefix is stripped
#: whatever the type, but only for real MLflow error-code names.
ERROR_CODE_PREFIX: Final = re.compile(
    r"^(?:" + "|".join(sorted(databricks_pb2.ErrorCode.keys(), key=len, reverse=True)) + r"): "
)
_ID = r"([^\s']+)"
#: The same failure phrased differently by the file store and the SQL stores (sqlite, and the
#: server, which runs a SqlAlchemyStore). Found by running the same failing calls on all three
#: backends (tests/harness/test_error_canonicalization.py). Canonical form on the right: the
#: SQL-store phrasing, except where that leaks SQL statements and timestamps.
ERROR_MESSAGE_CANON: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # get_run / delete_run / set_terminated / start_run(run_id=...) of a missing run
    (re.compile(rf"^Run '{_ID}' not found$"), r"Run with id=\1 not found"),
    # get_experiment / create_run / delete_experiment with a missing experiment id
    (re.compile(rf"^Could not find experiment with ID {_ID}$"), r"No Experiment with id=\1 exists"),
    # create_experiment with a name in use (SQL stores append the failing INSERT with its times)
    (
        re.compile(r"^Experiment\(name=(.*?)\) already exists\. Error: \(\S*IntegrityError\).*\Z", re.DOTALL),
        r"Experiment '\1' already exists.",
    ),
    # writing to a deleted run (set_tag, log_metric, log_param, ...)
    (
        re.compile(rf"^The run {_ID} must be in 'active' lifecycle_stage\.$"),
        r"The run \1 must be in the 'active' state. Current state is deleted.",
    ),
    # create_run in a deleted experiment
    (
        re.compile(rf"^Could not create run under non-active experiment with ID {_ID}\.$"),
        r"The experiment \1 must be in the 'active' state. Current state is deleted.",
    ),
    # log_batch changing one param value (SQL stores list the conflicts)
    (
        re.compile(
            r"^Changing param values is not allowed\. Params were already logged="
            r"'\[\{'key': '(.*?)', 'old_value': '(.*?)', 'new_value': '(.*?)'\}\]' for run ID='(.*?)'\.$"
        ),
        r"Changing param values is not allowed. Param with key='\1' was already logged with value='\2' "
        r"for run ID='\4'. Attempted logging new value '\3'.",
    ),
)

_HEX_TOKEN: Final = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?:[0-9a-f]{20})?(?![0-9a-f])")
_EXPERIMENT_CONTEXT: Final = re.compile(
    r"(?i)(\bexperiments?(?:[ _-]?ids?)?(?:\s+with\s+id)?\s*(?:[=:]\s*)?['\"]?|experiments/)(\d+)(?!\d)"
)
_EXPERIMENT_KEY: Final = re.compile(r"(?i)exp")


class HarnessError(Exception):
    """The scenario produced something the harness cannot snapshot (a usage error)."""


def _is_volatile_tag(key: str) -> bool:
    return key in VOLATILE_TAGS or key.startswith(VOLATILE_TAG_PREFIXES)


class Normalizer:
    """Replaces volatile values in strings and converts results, for one snapshot."""

    def __init__(self, raw: RawSnapshot) -> None:
        self.exp_refs: dict[str, str] = {}
        counter = 0
        for exp in raw.experiments:
            if exp.id == DEFAULT_EXPERIMENT_ID:
                self.exp_refs[exp.id] = DEFAULT_EXPERIMENT_REF
            else:
                counter += 1
                self.exp_refs[exp.id] = f"exp-{counter}"
        self.run_refs = {run.id: f"run-{i}" for i, run in enumerate(raw.runs, start=1)}
        self.run_prefixes = {run_id[:12]: ref for run_id, ref in self.run_refs.items()}
        self.generated: dict[str, str] = {}  # run id -> generated-N
        names: dict[str, str] = {}  # raw store-chosen name -> generated-N
        for run in raw.runs:
            raw_name = raw.creation.generated_names.get(run.id)
            if raw_name is not None:
                symbol = f"generated-{len(self.generated) + 1}"
                self.generated[run.id] = symbol
                if raw_name:
                    names[raw_name] = symbol
        self.raw_generated_names = {run_id: raw.creation.generated_names[run_id] for run_id in self.generated}
        self._names = names
        self._name_pattern = _token_pattern(names)
        literals: dict[str, str] = {}
        if raw.tmp_path:
            for variant in _path_variants(raw.tmp_path):
                literals[variant] = "<tmp>"
        if raw.tracking_uri:
            literals[raw.tracking_uri] = "<tracking-uri>"
        if raw.azureml_uri:
            literals[raw.azureml_uri] = "<azureml-uri>"
        self._literals = literals
        ordered = sorted(literals, key=len, reverse=True)
        self._literal_pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self.tmp_path = Path(raw.tmp_path) if raw.tmp_path else None

    # -- strings -------------------------------------------------------------------------------
    def text(self, value: str) -> str:
        """Normalize free text: paths/URIs, run ids and prefixes, generated names, exp ids."""
        if self._literal_pattern is not None:
            value = self._literal_pattern.sub(lambda m: self._literals[m.group(0)], value)
        value = _HEX_TOKEN.sub(self._hex, value)
        if self._name_pattern is not None:
            value = self._name_pattern.sub(lambda m: self._names[m.group(0)], value)
        return _EXPERIMENT_CONTEXT.sub(self._experiment_in_context, value)

    def value(self, value: str, key: str | None) -> str:
        """Normalize a stored value: exact run id / experiment id match first, then free text.

        ``key`` is the tag/param/dict key the value sits under; None means a bare result value.
        """
        if value in self.run_refs:
            return self.run_refs[value]
        if value in self.exp_refs and (key is None or _EXPERIMENT_KEY.search(key)):
            return self.exp_refs[value]
        return self.text(value)

    def _hex(self, match: re.Match[str]) -> str:
        token = match.group(0)
        return self.run_refs.get(token) or self.run_prefixes.get(token) or token

    def _experiment_in_context(self, match: re.Match[str]) -> str:
        ref = self.exp_refs.get(match.group(2))
        return match.group(1) + ref if ref else match.group(0)

    # -- results -------------------------------------------------------------------------------
    def result(self, value: Any, where: str = "result", key: str | None = None) -> Any:
        """Convert a scenario's return value into JSON-able, normalized data."""
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return _finite(value)
        if isinstance(value, str):
            return self.value(value, key)
        if isinstance(value, Run):
            return {"run": self.run_refs.get(value.info.run_id, self.text(value.info.run_id))}
        if isinstance(value, Experiment):
            eid = str(value.experiment_id)
            return {"experiment": self.exp_refs.get(eid, eid)}
        if isinstance(value, PurePath):
            return self._path(value)
        if isinstance(value, (list, tuple)):
            return [self.result(item, f"{where}[{i}]", key) for i, item in enumerate(value)]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, item in value.items():
                if not isinstance(k, str):
                    raise HarnessError(
                        f"{where}: cannot snapshot a dict key of type {type(k).__name__} ({k!r}); "
                        "dict keys must be str, convert them in the scenario"
                    )
                out[self.text(k)] = self.result(item, f"{where}.{k}", k)
            return out
        raise HarnessError(
            f"{where}: cannot snapshot object of type {type(value).__name__}; "
            "convert it to JSON-able data in the scenario"
        )

    def _path(self, path: PurePath) -> str:
        if self.tmp_path is not None:
            for base in {self.tmp_path, Path(os.path.realpath(self.tmp_path))}:
                try:
                    return Path(path).relative_to(base).as_posix()
                except ValueError:
                    continue
        return self.text(str(path))


def _finite(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _path_variants(tmp_path: str) -> set[str]:
    variants = {tmp_path, os.path.realpath(tmp_path)}
    return variants | {Path(v).as_uri() for v in variants}


def _token_pattern(names: Mapping[str, str]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_])")


def _mapping(
    values: Mapping[str, str | None], norm: Normalizer, drop: Callable[[str], bool]
) -> dict[str, str | None]:
    """Tags/params by normalized key; a NULL value (the sqlite store keeps one) stays null."""
    return {norm.text(k): None if v is None else norm.value(v, k) for k, v in values.items() if not drop(k)}


def normalize_error(error: BaseException | None, norm: Normalizer) -> dict[str, str] | None:
    """``{"type", "message"}`` with backend-specific spellings canonicalized."""
    if error is None:
        return None
    type_name = type(error).__name__
    return {
        "type": ERROR_TYPE_ALIASES.get(type_name, type_name),
        "message": norm.text(canonical_message(str(error))),
    }


def canonical_message(message: str) -> str:
    """Strip a REST error-code prefix and rewrite backend-specific phrasings (first match wins)."""
    message = ERROR_CODE_PREFIX.sub("", message, count=1)
    for pattern, replacement in ERROR_MESSAGE_CANON:
        canonical, count = pattern.subn(replacement, message, count=1)
        if count:
            return canonical
    return message


def normalize_metric(history: Sequence[RawMetricPoint]) -> list[dict[str, Any]]:
    """``[{"step", "value"}, ...]`` in the reader's order (non-finite values as strings)."""
    return [{"step": point.step, "value": _finite(point.value)} for point in history]


def normalize_artifact(artifact: RawArtifact, norm: Normalizer) -> dict[str, Any]:
    """``{"path", "size", "sha256"}``; UTF-8 text is normalized first, so size and hash are the
    normalized content's (binary content: the raw bytes')."""
    content = artifact.content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        content = norm.text(text).encode("utf-8")
    return {
        "path": norm.text(artifact.path),
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def normalize(
    raw: RawSnapshot,
    volatile_tags: Sequence[str] = (),
    *,
    volatile_paths: Sequence[str] = (),
    strict_volatile_paths: Sequence[str] = (),
) -> dict[str, Any]:
    """The golden snapshot for ``raw`` (experiments and runs keep raw's order).

    ``volatile_tags``: glob patterns (``fnmatch``, case-sensitive) of a project's own tag keys whose
    values change from run to run (``runs.*.tags.<p>`` and ``experiments.*.tags.<p>``);
    ``volatile_paths``: snapshot path patterns (``mlflow_golden._volatile``) that may match nothing;
    ``strict_volatile_paths``: patterns that must each match something (a HarnessError otherwise).
    Matched values become ``<volatile>`` (the key stays, so its presence is still compared).
    """
    norm = Normalizer(raw)
    experiments = [
        {
            "ref": norm.exp_refs[exp.id],
            "name": norm.text(exp.name),
            "lifecycle_stage": exp.lifecycle_stage,
            "tags": _mapping(exp.tags, norm, _is_volatile_tag),
        }
        for exp in raw.experiments
    ]
    runs = []
    for run in raw.runs:
        if run.id in norm.generated and run.name == norm.raw_generated_names[run.id]:
            name = norm.generated[run.id]
        else:
            name = norm.text(run.name)
        parent_id = run.tags.get(PARENT_TAG)
        runs.append(
            {
                "ref": norm.run_refs[run.id],
                "experiment": norm.exp_refs.get(run.experiment_id, run.experiment_id),
                "name": name,
                "parent": None if parent_id is None else norm.value(parent_id, PARENT_TAG),
                "status": run.status,
                "ended": run.end_time is not None,
                "lifecycle_stage": run.lifecycle_stage,
                "tags": _mapping(run.tags, norm, _is_volatile_tag),
                "params": _mapping(run.params, norm, lambda _k: False),
                "metrics": {norm.text(k): normalize_metric(history) for k, history in run.metrics.items()},
                "artifacts": sorted(
                    (normalize_artifact(artifact, norm) for artifact in run.artifacts),
                    key=lambda artifact: str(artifact["path"]),
                ),
            }
        )
    snapshot = {
        "schema": SCHEMA_VERSION,
        "experiments": experiments,
        "runs": runs,
        "active_run": None if raw.active_run_id is None else norm.value(raw.active_run_id, None),
        "result": norm.result(raw.result),
        "error": normalize_error(raw.error, norm),
    }
    lenient = [*volatile.tag_paths(volatile_tags), *volatile_paths]
    try:
        volatile.apply(snapshot, lenient, strict_volatile_paths)
    except volatile.VolatilePathError as exc:
        raise HarnessError(str(exc)) from exc
    return snapshot
