"""Base ``code.*`` tags for a run (legacy-core §8.3; legacy-support §9 "Base tags"). Pure.

Keys are literals: a tags.yaml override does not move them. ``config_dir`` only locates
mlflow.yaml for the default project name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional

from infrastructure.naming.context import NamingContext
from infrastructure.naming.platform import detect_platform
from infrastructure.tracking.mlflow.config_loader import get_naming_config

MAX_TAG_LENGTH = 250
TRUNCATED_LENGTH = 247


def _sanitize(value: object) -> str:
    """``str(value)``, cut to 247 characters plus "..." when longer than 250."""
    text = str(value)
    if len(text) > MAX_TAG_LENGTH:
        return text[:TRUNCATED_LENGTH] + "..."
    return text


def _created_by() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "system"


def build_mlflow_tags(
    context: Optional[NamingContext] = None,
    output_dir: Optional[Path] = None,
    parent_run_id: Optional[str] = None,
    group_id: Optional[str] = None,
    project_name: Optional[str] = None,
    config_dir: Optional[Path] = None,
    study_key_hash: Optional[str] = None,
    study_family_hash: Optional[str] = None,
    trial_key_hash: Optional[str] = None,
    refit_protocol_fp: Optional[str] = None,
    run_key_hash: Optional[str] = None,
) -> Dict[str, str]:
    """Build the base tag dict from the context and the given identifiers."""
    tags: Dict[str, str] = {}
    if context is not None:
        tags["code.stage"] = _sanitize(context.process_type)
        if context.process_type == "hpo_refit":
            tags["code.run_type"] = "refit"
        tags["code.model"] = _sanitize(context.model)
        tags["code.storage_env"] = _sanitize(context.storage_env)
        tags["code.env"] = _sanitize(context.environment)
        tags["code.execution_platform"] = _sanitize(context.environment)
    else:
        tags["code.stage"] = "unknown"
        tags["code.model"] = "unknown"
        tags["code.env"] = detect_platform()

    tags["code.created_by"] = _sanitize(_created_by())
    project = project_name or get_naming_config(config_dir)["project_name"]
    tags["code.project"] = _sanitize(project)

    if context is not None:
        if context.spec_fp:
            tags["code.spec_fp"] = _sanitize(context.spec_fp)
        if context.exec_fp:
            tags["code.exec_fp"] = _sanitize(context.exec_fp)
        tags["code.variant"] = _sanitize(context.variant)
        if context.trial_id:
            tags["code.trial_id"] = _sanitize(context.trial_id)
        if context.parent_training_id:
            tags["code.parent_training_id"] = _sanitize(context.parent_training_id)
        if context.conv_fp:
            tags["code.conv_fp"] = _sanitize(context.conv_fp)

    if output_dir:
        tags["code.output_dir"] = _sanitize(output_dir)
    if parent_run_id:
        tags["code.parent_run_id"] = _sanitize(parent_run_id)
    if group_id:
        tags["code.group_id"] = _sanitize(group_id)

    # Grouping hashes come from the arguments only, never from the context.
    if study_key_hash or study_family_hash or trial_key_hash:
        tags["code.grouping_schema_version"] = "1"
        if study_key_hash:
            tags["code.study_key_hash"] = _sanitize(study_key_hash)
        if study_family_hash:
            tags["code.study_family_hash"] = _sanitize(study_family_hash)
        if trial_key_hash:
            tags["code.trial_key_hash"] = _sanitize(trial_key_hash)

    if context is not None and context.process_type == "hpo" and context.trial_number is not None:
        tags["code.hpo.trial_number"] = _sanitize(context.trial_number)
    if refit_protocol_fp:
        tags["code.refit_protocol_fp"] = _sanitize(refit_protocol_fp)
    if run_key_hash:
        tags["code.run_key_hash"] = _sanitize(run_key_hash)
    if context is not None and context.benchmark_config_hash:
        tags["code.benchmark_config_hash"] = _sanitize(context.benchmark_config_hash)
    return tags
