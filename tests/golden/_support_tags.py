"""Helpers for the tag-helper, apply_lineage_tags and lineage golden groups.

tags.yaml variants (valid overrides and broken files), dict outcomes with key order, printed
output without MLflow's server URL lines, NamingContexts and metadata.json files for the finder,
and the seeded case generators shared by the seeded scenario files.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlflow.tracking import MlflowClient
from scenario_support import make_config_dir, printed

from infrastructure.naming.context import NamingContext
from training.execution.tags import apply_lineage_tags

FULL_LINEAGE: dict[str, Any] = {
    "hpo_study_key_hash": "study-hash-1",
    "hpo_trial_key_hash": "trial-hash-1",
    "hpo_trial_run_id": "trial-run-1",
    "hpo_refit_run_id": "refit-run-1",
    "hpo_sweep_run_id": "sweep-run-1",
}
#: The lineage fields in the order the legacy helpers read them (FULL_LINEAGE's key order).
LINEAGE_FIELDS = tuple(FULL_LINEAGE)

#: tags.yaml contents by name: a dict is dumped as YAML, a str is written verbatim.
TAGS_YAML: dict[str, dict[str, Any] | str] = {
    "override_full_data": {"training": {"trained_on_full_data": "custom.full_data"}},
    "override_grouping": {"grouping": {"study_key_hash": "custom.study", "trial_key_hash": "custom.trial"}},
    "override_lineage": {
        "lineage": {
            "source": "custom.lineage.source",
            "hpo_study_key_hash": "custom.lineage.study",
            "hpo_trial_run_id": "custom.lineage.trial_run",
            "hpo_sweep_run_id": "custom.lineage.sweep",
        }
    },
    "override_all_movable": {
        "schema_version": 1,
        "training": {"trained_on_full_data": "custom.full_data"},
        "grouping": {"study_key_hash": "custom.study", "trial_key_hash": "custom.trial"},
        "lineage": {
            "source": "custom.lineage.source",
            "hpo_study_key_hash": "custom.lineage.study",
            "hpo_trial_key_hash": "custom.lineage.trial",
            "hpo_trial_run_id": "custom.lineage.trial_run",
            "hpo_refit_run_id": "custom.lineage.refit_run",
            "hpo_sweep_run_id": "custom.lineage.sweep",
        },
    },
    "override_mlflow_run_type": {"mlflow": {"run_type": "custom.run_type"}},
    "extra_section": {"schema_version": "2", "custom": {"anything": "custom.anything"}},
    "unparsable": "training: [unclosed\n  - : :\n",
    "empty": "",
    "list_document": "- training\n- lineage\n",
    "section_not_dict": {"lineage": ["source", "hpo_trial_run_id"]},
    "key_not_string": {"grouping": {"trial_key_hash": 7}},
    "key_null": {"training": {"trained_on_full_data": None}},
    "schema_version_text": {"schema_version": "one"},
}
#: Variants whose loading or lookup raises (the rest resolve, possibly to defaults).
BROKEN_TAGS_YAML = (
    "empty",
    "list_document",
    "section_not_dict",
    "key_not_string",
    "key_null",
    "schema_version_text",
)


def write_tags_file(config_dir: Path, content: dict[str, Any] | str | None) -> None:
    """Write ``config_dir/tags.yaml``: a mapping as YAML, a str verbatim, nothing for None."""
    if content is None:
        return
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    (config_dir / "tags.yaml").write_text(text, encoding="utf-8")


def write_tags_yaml(config_dir: Path, variant: str) -> None:
    """Write the named TAGS_YAML variant into ``config_dir/tags.yaml``."""
    write_tags_file(config_dir, TAGS_YAML[variant])


def config_dir_with(root: Path, variant: str | None, name: str = "project") -> Path:
    """``root/<name>/config`` holding the tags.yaml ``variant`` (no tags.yaml if None)."""
    config_dir = make_config_dir(root, name=name)
    if variant is not None:
        write_tags_yaml(config_dir, variant)
    return config_dir


def dict_outcome(returned: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The returned dict and the caller's dict after the call, with their key order."""
    return {
        "returned": dict(returned),
        "returned_keys": list(returned),
        "input_after": dict(given),
        "input_keys": list(given),
        "same_object": returned is given,
    }


#: NamingContexts handed to apply_lineage_tags: a complete one (run key builds, the index lookup
#: then fails) and an incomplete refit one (building the run key fails).
CONTEXTS: dict[str, NamingContext] = {
    "final_training": NamingContext(
        process_type="final_training",
        model="distilbert",
        environment="local",
        spec_fp="spec1",
        exec_fp="exec1",
    ),
    "hpo_refit_without_trial_id": NamingContext(
        process_type="hpo_refit", model="distilbert", environment="local"
    ),
}


def output_dir_under(root: Path) -> Path:
    """A final-training output folder five levels below ``root`` (created)."""
    output_dir = root / "outputs" / "final_training" / "local" / "distilbert" / "spec1_exec1"
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir


def write_metadata(output_dir: Path, variant: str, run_id: str | None) -> None:
    """Write ``output_dir/metadata.json`` in the named shape ("none" writes nothing).

    ``mlflow`` is the key the trackers write; ``mlflow_info`` is the older key the finder still reads.
    """
    path = output_dir / "metadata.json"
    if variant == "none":
        return
    if variant == "invalid_json":
        path.write_text("{not json", encoding="utf-8")
        return
    if variant == "mlflow_info_without_run_id":
        path.write_text(json.dumps({"mlflow_info": {"experiment": "x"}}), encoding="utf-8")
        return
    key = {"mlflow_info": "mlflow_info", "mlflow": "mlflow"}[variant]
    path.write_text(json.dumps({key: {"run_id": run_id}}), encoding="utf-8")


# --- seeded case generators -------------------------------------------------------------------

_VALUE_KINDS = ("absent", "none", "empty", "str", "str")
_COLLIDING_KEYS = (
    "mlflow.runType",
    "training_type",
    "mlflow.runName",
    "code.trained_on_full_data",
    "code.study_key_hash",
    "code.trial_key_hash",
    "code.lineage.source",
    "code.lineage.hpo_trial_run_id",
    "custom.training.trained_on_full_data",
    "custom.lineage.source",
    "custom.grouping.study_key_hash",
    "code.stage",
    "code.model",
)


def random_lineage(rng: random.Random) -> dict[str, Any]:
    """A lineage dict: each field absent, None, "" or a string; sometimes an unrelated key."""
    lineage: dict[str, Any] = {}
    names = list(LINEAGE_FIELDS)
    rng.shuffle(names)
    for name in names:
        kind = rng.choice(_VALUE_KINDS)
        if kind == "none":
            lineage[name] = None
        elif kind == "empty":
            lineage[name] = ""
        elif kind == "str":
            lineage[name] = f"{name.removeprefix('hpo_')}-{rng.randrange(100)}"
    if rng.random() < 0.3:
        lineage["parent_training_run_id"] = f"parent-{rng.randrange(100)}"
    return lineage


def random_input_tags(rng: random.Random) -> dict[str, str]:
    """Caller tags with keys that the helpers may overwrite, in a random order."""
    keys = rng.sample(_COLLIDING_KEYS, rng.randrange(0, 6))
    return {key: f"old-{index}" for index, key in enumerate(keys)}


_REGISTRY_ENTRIES = (
    ("mlflow", "run_type"),
    ("training", "trained_on_full_data"),
    ("grouping", "study_key_hash"),
    ("grouping", "trial_key_hash"),
    *(("lineage", name) for name in ("source", *LINEAGE_FIELDS)),
)
_RAW_FILES = tuple(str(TAGS_YAML[name]) for name in ("empty", "list_document", "unparsable"))


def random_tags_yaml(rng: random.Random, broken_share: float = 0.25) -> dict[str, Any] | str | None:
    """Content for tags.yaml: None (no file), raw text (empty, a list, unparsable) or a mapping.

    A mapping overrides a few of the ten training/lineage keys; about ``broken_share`` of them
    also break something (a non-string key, a non-mapping section, a non-numeric schema_version).
    """
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.22:
        return rng.choice(_RAW_FILES)
    content: dict[str, Any] = {}
    if rng.random() < 0.3:
        content["schema_version"] = rng.choice([1, "2", 0])
    for section, name in rng.sample(_REGISTRY_ENTRIES, rng.randrange(0, 5)):
        content.setdefault(section, {})[name] = f"custom.{section}.{name}"
    if rng.random() < 0.1:
        content["extra"] = {"anything": "custom.anything"}
    if rng.random() < broken_share:
        section, name = rng.choice(_REGISTRY_ENTRIES)
        kind = rng.choice(["not_string", "section_not_dict", "schema_text"])
        if kind == "not_string":
            content.setdefault(section, {})[name] = rng.choice([None, 7, ["x"]])
        elif kind == "section_not_dict":
            content[section] = rng.choice(["flat", ["a"], None])
        else:
            content["schema_version"] = "v1"
    return content


# --- apply_lineage_tags arrangement -------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """A project folder: ``root/config`` (registry) and a final-training output folder."""

    root: Path
    config_dir: Path
    output_dir: Path


def make_project(tmp_path: Path, tags_yaml: str | None = None) -> Project:
    """``tmp/project`` with an optional tags.yaml variant and an (empty) output folder."""
    config_dir = config_dir_with(tmp_path, tags_yaml)
    root = config_dir.parent
    return Project(root=root, config_dir=config_dir, output_dir=output_dir_under(root))


@dataclass(frozen=True)
class RunSpec:
    """A pre-existing run: name, final status, start time (ms) and whether it is deleted."""

    name: str
    status: str = "FINISHED"
    start_time: int = 1_600_000_000_000
    deleted: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def add_runs(client: MlflowClient, experiment_id: str, specs: list[RunSpec]) -> dict[str, str]:
    """Create the runs in list order with explicit start times; return name -> run id."""
    run_ids: dict[str, str] = {}
    for spec in specs:
        run_id = client.create_run(
            experiment_id, start_time=spec.start_time, tags=spec.tags, run_name=spec.name
        ).info.run_id
        if spec.status != "RUNNING":
            client.set_terminated(run_id, spec.status)
        if spec.deleted:
            client.delete_run(run_id)
        run_ids[spec.name] = run_id
    return run_ids


#: Marker for apply_and_report: use the project's own folder.
PROJECT_DIR: Any = object()


def apply_and_report(
    capsys: pytest.CaptureFixture[str],
    experiment_name: str,
    project: Project,
    lineage: dict[str, Any],
    *,
    context: Any = None,
    root_dir: Any = PROJECT_DIR,
    output_dir: Any = PROJECT_DIR,
) -> dict[str, Any]:
    """Call apply_lineage_tags and report its return value, output and the lineage afterwards.

    ``root_dir``/``output_dir`` default to the project's folders; pass None to hand over None.
    """
    before = copy.deepcopy(lineage)
    returned = apply_lineage_tags(
        experiment_name,
        context,
        project.output_dir if output_dir is PROJECT_DIR else output_dir,
        project.root if root_dir is PROJECT_DIR else root_dir,
        project.config_dir,
        lineage,
    )
    return {"returned": returned, "printed": printed(capsys), "lineage_unchanged": lineage == before}
