"""Run keys: the stable identity string of a run, its hash, and the counter key (legacy-core §8.2)."""

from __future__ import annotations

import hashlib

from infrastructure.naming.context import NamingContext


def build_mlflow_run_key(context: NamingContext) -> str:
    """Build the run key for ``context``; ValueError when a required part is missing.

    Never includes environment, storage_env, stage, fold_idx, trial_number or study_name.
    """
    process_type = context.process_type
    model = context.model
    if process_type == "hpo":
        if context.trial_id:
            return f"hpo:{model}:{context.trial_id}"
        if context.study_key_hash:
            return f"hpo:{model}:study_{context.study_key_hash}"
        return f"hpo:{model}:study_unknown"
    if process_type == "hpo_refit":
        if not context.trial_id:
            raise ValueError("HPO refit requires trial_id for run_key")
        return f"hpo_refit:{model}:{context.trial_id}"
    if process_type == "benchmarking":
        if not context.trial_id:
            raise ValueError("Benchmarking requires trial_id for run_key")
        return f"benchmark:{model}:{context.trial_id}"
    if process_type == "final_training":
        if not context.spec_fp or not context.exec_fp:
            raise ValueError("Final training requires spec_fp and exec_fp for run_key")
        return f"final_training:{model}:spec_{context.spec_fp}:exec_{context.exec_fp}:v{context.variant}"
    if process_type == "conversion":
        if not context.parent_training_id or not context.conv_fp:
            raise ValueError("Conversion requires parent_training_id and conv_fp for run_key")
        return f"conversion:{model}:{context.parent_training_id}:conv_{context.conv_fp}"
    return f"{process_type}:{model}:unknown"


def build_mlflow_run_key_hash(run_key: str) -> str:
    """SHA-256 of the UTF-8 run key: 64 lowercase hex characters, untruncated."""
    return hashlib.sha256(run_key.encode("utf-8")).hexdigest()


def build_counter_key(project_name: str, process_type: str, run_key_hash: str, environment: str) -> str:
    """Key of the run-name version counter: ``{project}:{process_type}:{hash}:{env}``."""
    return f"{project_name}:{process_type}:{run_key_hash}:{environment}"


def build_run_name_counter_key(project_name: str, context: NamingContext, run_key_hash: str) -> str:
    """Counter key of ``context``'s ``_N`` run-name versions, for the reservation and the commit alike.

    Its environment part is ``storage_env``, falling back to ``environment`` when empty.
    """
    environment = context.storage_env or context.environment
    return build_counter_key(project_name, context.process_type, run_key_hash, environment)
