"""Human-readable trees of golden snapshots, and a tree-shaped diff of two snapshots.

A snapshot (schema 2) lists experiments and runs in creation order. The tree shows each
experiment with its runs nested under their parents, so a reader sees the run structure a
scenario left in MLflow at a glance. ``tree_diff`` merges two snapshots into one such tree and
marks what changed; it is the first part of a golden mismatch message (the unified JSON diff
follows it) and the output of ``python -m mlflow_golden diff``.

Both functions are pure and deterministic: the same snapshots always give the same text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["render_tree", "tree_diff"]

Record = Mapping[str, Any]

INDENT = "  "
ABSENT = "<absent>"
"""Shown for a key, run or experiment that one side does not have."""

# Markers of the merged tree (first column).
SAME = " "
CHANGED = "~"
ADDED = "+"
REMOVED = "-"

# Keys shown in the run/experiment line itself, in this order, before the mapping keys.
_RUN_SCALARS = ("name", "status", "ended", "lifecycle_stage", "experiment", "parent")
_EXPERIMENT_SCALARS = ("name", "lifecycle_stage")
_MAPPINGS = ("tags", "params", "metrics")
_ARTIFACTS = "artifacts"
#: Characters of an artifact's sha256 shown in trees and diffs.
HASH_CHARS = 12
_TOP_LEVEL = ("active_run", "result", "error")
_KNOWN_TOP_LEVEL = frozenset({"schema", "experiments", "runs", *_TOP_LEVEL})


def _value(value: Any) -> str:
    """Compact, deterministic text for one JSON value (strings quoted, keys sorted)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _records(snapshot: Record, key: str) -> list[Record]:
    """The list of experiment/run records of ``snapshot`` (empty when absent or malformed)."""
    items = snapshot.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _ref(record: Record) -> str:
    return str(record.get("ref", "?"))


def _experiment_label(experiment: Record) -> str:
    label = f"experiment {_ref(experiment)} {_value(experiment.get('name'))}"
    stage = experiment.get("lifecycle_stage", "active")
    if stage != "active":
        label += f" [{stage}]"
    return label


def _run_label(run: Record, active_run: Any, parent_shown: bool) -> str:
    label = f"{_ref(run)} {_value(run.get('name'))} {run.get('status', '?')}"
    if run.get("ended") is False and run.get("status") not in (None, "RUNNING"):
        label += " (not ended)"
    if run.get("ended") is True and run.get("status") == "RUNNING":
        label += " (ended)"
    stage = run.get("lifecycle_stage", "active")
    if stage != "active":
        label += f" [{stage}]"
    if not parent_shown and run.get("parent") is not None:
        label += f" (parent {run.get('parent')})"
    if active_run is not None and _ref(run) == active_run:
        label += " (active)"
    return label


def _is_history(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(point, Mapping) and set(point) == {"step", "value"} for point in value
    )


def _history(value: Any) -> str:
    """A metric history as ``[step 0: 0.5, step 1: 0.4]`` (anything else as JSON)."""
    if not _is_history(value):
        return _value(value)
    return "[" + ", ".join(f"step {point['step']}: {_value(point['value'])}" for point in value) + "]"


def _entry(key: str, value: Any) -> str:
    """One mapping value: metric histories by step, everything else as JSON."""
    return _history(value) if key == "metrics" else _value(value)


def _artifacts(record: Record) -> dict[str, Record]:
    """A run's artifacts by path (empty when absent or malformed)."""
    items = record.get(_ARTIFACTS)
    if not isinstance(items, list):
        return {}
    return {str(item.get("path")): item for item in items if isinstance(item, Mapping)}


def _artifact(artifact: Record) -> str:
    """``512 B, sha256 1a2b3c4d5e6f`` (a volatile artifact: ``<volatile>``)."""
    size, digest = artifact.get("size"), artifact.get("sha256")
    if isinstance(size, int) and isinstance(digest, str):
        return f"{size} B, sha256 {digest[:HASH_CHARS]}"
    return f"size {_value(size)}, sha256 {_value(digest)}"


def _mapping_lines(record: Record) -> list[str]:
    """``tags: k=v, ...`` style lines for the non-empty mappings (and artifacts) of a record."""
    lines = []
    for key in _MAPPINGS:
        mapping = record.get(key)
        if isinstance(mapping, Mapping) and mapping:
            pairs = ", ".join(f"{name}={_entry(key, mapping[name])}" for name in sorted(mapping))
            lines.append(f"{key}: {pairs}")
    artifacts = _artifacts(record)
    if artifacts:
        listed = ", ".join(f"{path} ({_artifact(artifacts[path])})" for path in sorted(artifacts))
        lines.append(f"artifacts: {listed}")
    return lines


def _artifact_changes(old: Record, new: Record) -> list[str]:
    """``artifact <path>: missing / unexpected / content differs`` lines, by path."""
    before, after = _artifacts(old), _artifacts(new)
    lines = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            lines.append(f"artifact {path}: missing (recorded {_artifact(before[path])})")
        elif path not in before:
            lines.append(f"artifact {path}: not recorded (actual {_artifact(after[path])})")
        elif before[path] != after[path]:
            lines.append(
                f"artifact {path}: content differs ({_artifact(before[path])} -> {_artifact(after[path])})"
            )
    return lines


@dataclass
class _Node:
    """One run in the tree, with the runs nested under it."""

    ref: str
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Forest:
    """Runs grouped by experiment, nested by parent, in creation order."""

    roots_by_experiment: dict[str, list[_Node]]
    experiment_order: list[str]
    nested: set[str]
    """Refs of runs that are shown under their parent (their parent line is implicit)."""


def _build_forest(experiment_refs: Sequence[str], runs: Sequence[tuple[str, str, Any]]) -> _Forest:
    """Nest ``runs`` (ref, experiment ref, parent ref) under their parents.

    A run is nested under its parent only when the parent is a known run of the same
    experiment and the nesting makes no cycle; any other run is a root of its experiment.
    Experiments that runs name but that are not listed come after the listed ones.
    """
    info = {ref: (experiment, parent) for ref, experiment, parent in runs}
    nodes = {ref: _Node(ref) for ref, _, _ in runs}

    def nests(ref: str) -> bool:
        experiment, parent = info[ref]
        seen = {ref}
        current = parent
        while isinstance(current, str) and current in info and info[current][0] == experiment:
            if current in seen:
                return False
            seen.add(current)
            current = info[current][1]
        return isinstance(parent, str) and parent in info and info[parent][0] == experiment

    order = list(dict.fromkeys(experiment_refs))
    roots: dict[str, list[_Node]] = {ref: [] for ref in order}
    nested: set[str] = set()
    for ref, experiment, parent in runs:
        if nests(ref):
            nodes[parent].children.append(nodes[ref])
            nested.add(ref)
        else:
            if experiment not in roots:
                roots[experiment] = []
                order.append(experiment)
            roots[experiment].append(nodes[ref])
    return _Forest(roots, order, nested)


def _walk(nodes: Iterable[_Node], depth: int) -> Iterable[tuple[_Node, int]]:
    for node in nodes:
        yield node, depth
        yield from _walk(node.children, depth + 1)


def _summary_lines(snapshot: Record) -> list[str]:
    lines = []
    if snapshot.get("active_run") is not None:
        lines.append(f"active run: {snapshot['active_run']}")
    if "result" in snapshot:
        lines.append(f"result: {_value(snapshot['result'])}")
    error = snapshot.get("error")
    if isinstance(error, Mapping):
        lines.append(f"error: {error.get('type')}: {error.get('message')}")
    elif error is not None:
        lines.append(f"error: {_value(error)}")
    for key in sorted(set(snapshot) - _KNOWN_TOP_LEVEL):
        lines.append(f"{key}: {_value(snapshot[key])}")
    return lines


def render_tree(snapshot: Mapping[str, Any]) -> str:
    """Render one snapshot as a tree: experiments, their runs nested by parent, then result/error.

    Each run line shows ref, name and status, ``(active)`` for the run left active; the
    run's tags, params, metrics (``loss=[step 0: 0.5, step 1: 0.4]``) and artifacts
    (``model.onnx (512 B, sha256 1a2b3c4d5e6f)``) follow it compactly, one line each.
    """
    experiments = {_ref(exp): exp for exp in _records(snapshot, "experiments")}
    runs = {_ref(run): run for run in _records(snapshot, "runs")}
    forest = _build_forest(
        list(experiments),
        [(ref, str(run.get("experiment")), run.get("parent")) for ref, run in runs.items()],
    )
    active_run = snapshot.get("active_run")
    lines: list[str] = []
    for experiment_ref in forest.experiment_order:
        experiment = experiments.get(experiment_ref)
        if experiment is None:
            lines.append(f"experiment {experiment_ref} (not captured)")
        else:
            lines.append(_experiment_label(experiment))
            lines.extend(INDENT * 2 + line for line in _mapping_lines(experiment))
        for node, depth in _walk(forest.roots_by_experiment[experiment_ref], 1):
            run = runs[node.ref]
            indent = INDENT * depth
            lines.append(indent + _run_label(run, active_run, node.ref in forest.nested))
            lines.extend(indent + INDENT * 2 + line for line in _mapping_lines(run))
    if not forest.experiment_order:
        lines.append("(no experiments)")
    lines.extend(_summary_lines(snapshot))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Diff


def _changes(expected: Record | None, actual: Record | None, scalars: Sequence[str]) -> list[str]:
    """``key: expected -> actual`` lines for every differing field of two records.

    Scalars come first in the order given, then ``tags.k``/``params.k``/``metrics.k`` (metric
    histories as ``[step 0: 0.5]``), then ``artifact <path>: missing / not recorded / content
    differs``, then any other key, each group sorted, so the same pair always gives the same lines.
    """
    old: Record = expected or {}
    new: Record = actual or {}
    lines = []

    def line(key: str, has_old: bool, old_value: Any, has_new: bool, new_value: Any) -> None:
        if has_old == has_new and old_value == new_value:
            return
        show = _history if key.startswith("metrics.") else _value
        left = show(old_value) if has_old else ABSENT
        right = show(new_value) if has_new else ABSENT
        lines.append(f"{key}: {left} -> {right}")

    for key in scalars:
        line(key, key in old, old.get(key), key in new, new.get(key))
    for key in _MAPPINGS:
        old_map = old.get(key)
        new_map = new.get(key)
        if not isinstance(old_map, Mapping) or not isinstance(new_map, Mapping):
            line(key, key in old, old_map, key in new, new_map)
            continue
        for name in sorted(set(old_map) | set(new_map)):
            line(f"{key}.{name}", name in old_map, old_map.get(name), name in new_map, new_map.get(name))
    old_artifacts, new_artifacts = old.get(_ARTIFACTS), new.get(_ARTIFACTS)
    if isinstance(old_artifacts, list) and isinstance(new_artifacts, list):
        lines.extend(_artifact_changes(old, new))
    else:
        line(_ARTIFACTS, _ARTIFACTS in old, old_artifacts, _ARTIFACTS in new, new_artifacts)
    for key in sorted((set(old) | set(new)) - {"ref", _ARTIFACTS, *scalars, *_MAPPINGS}):
        line(key, key in old, old.get(key), key in new, new.get(key))
    return lines


def _marker(expected: Record | None, actual: Record | None, changes: Sequence[str]) -> str:
    if expected is None:
        return ADDED
    if actual is None:
        return REMOVED
    return CHANGED if changes else SAME


def _top_level_changes(expected: Record, actual: Record) -> list[str]:
    lines = []
    keys = [*_TOP_LEVEL, *sorted((set(expected) | set(actual)) - _KNOWN_TOP_LEVEL)]
    for key in keys:
        has_old, has_new = key in expected, key in actual
        old, new = expected.get(key), actual.get(key)
        if has_old == has_new and old == new:
            continue
        label = "active run" if key == "active_run" else key
        left = _value(old) if has_old else ABSENT
        right = _value(new) if has_new else ABSENT
        lines.append(f"{label}: {left} -> {right}")
    if expected.get("schema") != actual.get("schema"):
        lines.insert(0, f"schema: {_value(expected.get('schema'))} -> {_value(actual.get('schema'))}")
    return lines


def _merge_refs(expected: Iterable[str], actual: Iterable[str]) -> list[str]:
    """Refs of both sides in creation order: actual's order, with each ref only expected has
    placed right after the ref that precedes it in expected (or first)."""
    merged = list(dict.fromkeys(actual))
    present = set(merged)
    previous: str | None = None
    for ref in dict.fromkeys(expected):
        if ref not in present:
            position = merged.index(previous) + 1 if previous is not None else 0
            merged.insert(position, ref)
            present.add(ref)
        previous = ref
    return merged


@dataclass
class _Tally:
    """How many runs and experiments each marker was given."""

    runs: dict[str, int] = field(default_factory=lambda: {CHANGED: 0, ADDED: 0, REMOVED: 0})
    experiments: dict[str, int] = field(default_factory=lambda: {CHANGED: 0, ADDED: 0, REMOVED: 0})

    def summary(self, top: Sequence[str]) -> str:
        runs, experiments = self.runs, self.experiments
        text = f"runs: {runs[CHANGED]} changed, {runs[ADDED]} added, {runs[REMOVED]} removed"
        if any(experiments.values()):
            text += (
                f"; experiments: {experiments[CHANGED]} changed, {experiments[ADDED]} added,"
                f" {experiments[REMOVED]} removed"
            )
        if top:
            text += "; " + ", ".join(line.split(":", 1)[0] for line in top) + " changed"
        if not top and not any(runs.values()) and not any(experiments.values()):
            return "no differences"
        return text


def _experiment_diff(old: Record | None, new: Record | None, ref: str, tally: _Tally) -> list[str]:
    """The experiment's line (marked) and, when it differs, its changes or its mappings."""
    shown = new if new is not None else old
    if shown is None:
        return [f"{SAME} experiment {ref} (not captured)"]
    changes = _changes(old, new, _EXPERIMENT_SCALARS)
    marker = _marker(old, new, changes)
    lines = [f"{marker} {_experiment_label(shown)}"]
    if marker != SAME:
        tally.experiments[marker] += 1
        details = changes if marker == CHANGED else _mapping_lines(shown)
        lines.extend(f"{marker} {INDENT * 2}{line}" for line in details)
    return lines


def _run_diff(old: Record | None, new: Record | None, label: str, depth: int, tally: _Tally) -> list[str]:
    """The run's line (marked) and, when it differs, its changes (changed) or mappings (added/removed)."""
    changes = _changes(old, new, _RUN_SCALARS)
    marker = _marker(old, new, changes)
    indent = INDENT * depth
    lines = [f"{marker} {indent}{label}"]
    if marker != SAME:
        tally.runs[marker] += 1
        shown = new if new is not None else old
        details = changes if marker == CHANGED else _mapping_lines(shown or {})
        lines.extend(f"{marker} {indent}{INDENT * 2}{line}" for line in details)
    return lines


def tree_diff(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> str:
    """Merged tree of two snapshots, marking what differs.

    Line markers: ``~`` changed, ``+`` only in actual, ``-`` only in expected, blank when the
    same. Under each changed run or experiment its differing fields are listed as
    ``key: expected -> actual`` (``<absent>`` for a missing key); added or removed runs show
    their tags, params and metrics. Changes of the active run, result and error come last.
    Runs and experiments are matched by ref. The tree is nested by each run's actual parent
    (expected parent for removed runs); ``(active)`` marks actual's active run.
    """
    old_experiments = {_ref(exp): exp for exp in _records(expected, "experiments")}
    new_experiments = {_ref(exp): exp for exp in _records(actual, "experiments")}
    old_runs = {_ref(run): run for run in _records(expected, "runs")}
    new_runs = {_ref(run): run for run in _records(actual, "runs")}
    merged_runs = {ref: new_runs.get(ref) or old_runs[ref] for ref in _merge_refs(old_runs, new_runs)}
    forest = _build_forest(
        _merge_refs(old_experiments, new_experiments),
        [(ref, str(run.get("experiment")), run.get("parent")) for ref, run in merged_runs.items()],
    )

    tally = _Tally()
    body: list[str] = []
    for experiment_ref in forest.experiment_order:
        old_exp, new_exp = old_experiments.get(experiment_ref), new_experiments.get(experiment_ref)
        body.extend(_experiment_diff(old_exp, new_exp, experiment_ref, tally))
        for node, depth in _walk(forest.roots_by_experiment[experiment_ref], 1):
            label = _run_label(merged_runs[node.ref], actual.get("active_run"), node.ref in forest.nested)
            body.extend(_run_diff(old_runs.get(node.ref), new_runs.get(node.ref), label, depth, tally))
    top = _top_level_changes(expected, actual)
    body.extend(f"{CHANGED} {line}" for line in top)
    header = ["tree diff (~ changed, + only in actual, - only in expected)", tally.summary(top)]
    return "\n".join([*header, *body]) + "\n"
