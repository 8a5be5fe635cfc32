"""Run finder, the single source of truth for finding runs: strategies P1-P7 (legacy-support §3).

``find_mlflow_run(..., direct_query_fallback=True)`` adds the last resort ``apply_lineage_tags``
used to run itself (a fresh by-name lookup and the newest run after a miss).

Filter values are quoted by ``filters.tags_filter``; a value MLflow's grammar cannot express
(both quote kinds) raises ValueError before any store call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional

import mlflow
from mlflow.tracking import MlflowClient

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.tracking.mlflow.config_loader import get_run_finder_config
from infrastructure.tracking.mlflow.filters import NEWEST_FIRST, tags_filter
from infrastructure.tracking.mlflow.index import find_in_mlflow_index
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.types import RunLookupReport

logger = get_logger(__name__)

STRATEGY_DIRECT_RUN_ID = "direct_run_id"
STRATEGY_METADATA_JSON = "metadata_json"
STRATEGY_LOCAL_INDEX = "local_index"
STRATEGY_TAG_RUN_KEY_HASH = "tag_run_key_hash"
STRATEGY_TAG_CONTEXT = "tag_context"
STRATEGY_RUN_NAME_TAG = "run_name_tag"
STRATEGY_MOST_RECENT = "most_recent_fallback"
ALL_STRATEGIES: tuple[str, ...] = (
    STRATEGY_DIRECT_RUN_ID,
    STRATEGY_METADATA_JSON,
    STRATEGY_LOCAL_INDEX,
    STRATEGY_TAG_RUN_KEY_HASH,
    STRATEGY_TAG_CONTEXT,
    STRATEGY_RUN_NAME_TAG,
    STRATEGY_MOST_RECENT,
)
TRIAL_ID_STRATEGY = "trial_id_tag_search"
STRATEGY_DIRECT_QUERY = "direct_query_fallback"
#: How a miss report's ``error`` starts when the direct query itself failed.
DIRECT_QUERY_FAILED = "Could not query MLflow for recent run: "


def _hit(run_id: str, strategy: str) -> RunLookupReport:
    """A hit reports only the winning strategy."""
    return RunLookupReport(found=True, run_id=run_id, strategy_used=strategy, strategies_attempted=[strategy])


def _derive_root(root_dir: Optional[Path], output_dir: Optional[Path]) -> Optional[Path]:
    """``root_dir``, else the fifth ancestor of ``output_dir`` (``.parent`` applied five times).

    ``.parent`` saturates at the filesystem root (or ``.`` for a relative path), so a given
    ``output_dir`` always yields a root, however shallow it is.
    """
    if root_dir:
        return root_dir
    if output_dir is not None:
        return output_dir.parent.parent.parent.parent.parent
    return None


def find_mlflow_run(
    experiment_name: str, context: Optional[NamingContext] = None, run_id: Optional[str] = None,
    output_dir: Optional[Path] = None, run_key_hash: Optional[str] = None, strict: Optional[bool] = None,
    root_dir: Optional[Path] = None, config_dir: Optional[Path] = None, direct_query_fallback: bool = False,
) -> RunLookupReport:  # fmt: skip
    """Find a run in ``experiment_name`` by trying strategies P1-P7 in priority order.

    ``strict=None``: ``run_finder.strict_mode_default`` of ``config_dir``'s mlflow.yaml (the
    loader's default is True), or False without ``config_dir``.

    ``direct_query_fallback``: after a non-strict miss, look the experiment up again and take its
    newest run (``apply_lineage_tags``' last resort); its error is reported, not raised.

    Raises RuntimeError for an unknown experiment and ValueError on a strict miss, an
    incomplete context's run key, or a filter value MLflow cannot express (before any store call).
    """
    # Step 0: strict mode (the argument, else the config's strict_mode_default, else False).
    if strict is None:
        strict = bool(config_dir) and get_run_finder_config(config_dir)["strict_mode_default"]

    # Filters first: a value MLflow's grammar cannot express raises ValueError before any store call.
    context_run_name = getattr(context, "run_name", None)
    context_filter = _context_filter(context) if context else ""
    name_filter = tags_filter({"mlflow.runName": context_run_name}) if context_run_name else ""
    hash_filter = tags_filter({"code.run_key_hash": run_key_hash}) if run_key_hash else ""

    # Step 1: experiment.
    client = MlflowClient()
    try:
        experiment = mlflow.get_experiment_by_name(experiment_name)
        if experiment is None:
            raise ValueError(f"Experiment '{experiment_name}' not found")
        experiment_id = experiment.experiment_id
    except Exception as exc:
        raise RuntimeError(f"Could not get experiment '{experiment_name}': {exc}") from exc

    # P1: direct run id.
    if run_id:
        try:
            run = client.get_run(run_id)
            if run.info.experiment_id == experiment_id:
                return _hit(run_id, STRATEGY_DIRECT_RUN_ID)
            logger.warning("Run %s belongs to another experiment; continuing", run_id)
        except Exception as exc:
            logger.warning("Could not get run %s: %s", run_id, exc)

    # P2: metadata.json next to the outputs.
    if output_dir is not None:
        metadata_path = output_dir / "metadata.json"
        if metadata_path.exists():
            try:
                with open(metadata_path, encoding="utf-8") as handle:
                    metadata = json.load(handle)
                # The trackers write "mlflow"; older files' "mlflow_info" is still read.
                run = client.get_run((metadata.get("mlflow") or metadata["mlflow_info"])["run_id"])
                if run.info.experiment_id == experiment_id:
                    return _hit(run.info.run_id, STRATEGY_METADATA_JSON)
            except Exception as exc:
                logger.debug("metadata.json lookup failed: %s", exc)

    # P3: the local index entry of this tracking URI and experiment (a hash given, or derived
    # from the context; a run-key ValueError propagates, a failing lookup is skipped).
    if not run_key_hash and context:
        run_key = build_mlflow_run_key(context)
        run_key_hash = build_mlflow_run_key_hash(run_key)
        hash_filter = tags_filter({"code.run_key_hash": run_key_hash})
    index_root = _derive_root(root_dir, output_dir)
    if run_key_hash and index_root:
        try:
            entry = find_in_mlflow_index(index_root, run_key_hash, mlflow.get_tracking_uri(), config_dir)
        except Exception as exc:
            logger.warning("Local index lookup failed: %s", exc)
            entry = None
        if entry and entry["experiment_id"] == experiment_id:
            return _hit(entry["run_id"], STRATEGY_LOCAL_INDEX)

    # P4-P7 take the first run in NEWEST_FIRST order.
    # P4: the run-key hash tag.
    searches = [(hash_filter, "Run-key-hash tag", STRATEGY_TAG_RUN_KEY_HASH)]
    if not strict:  # P5: context tags; P6: the run-name tag (only a context with a run_name has one)
        searches += [
            (context_filter, "Context tag", STRATEGY_TAG_CONTEXT),
            (name_filter, "Run-name tag", STRATEGY_RUN_NAME_TAG),
        ]
    for filter_string, what, strategy in searches:
        if filter_string and (hit := _first_run_id(client, experiment_id, what, filter_string)):
            return _hit(hit, strategy)
    if not strict:
        hit = _first_run_id(client, experiment_id, "Most-recent run")
        if hit:
            logger.warning("Falling back to the most recent run of experiment '%s'", experiment_name)
            return _hit(hit, STRATEGY_MOST_RECENT)

    # Step 3: miss.
    if strict:
        raise ValueError(
            f"Could not find run in experiment '{experiment_name}' using strict mode (tried priorities 1-4)"
        )
    if direct_query_fallback:
        return _direct_query(client, experiment_name)
    return RunLookupReport(
        found=False,
        strategies_attempted=list(ALL_STRATEGIES),
        error=f"Could not find run in experiment '{experiment_name}' after trying all strategies",
    )


def _first_run_id(
    client: MlflowClient,
    experiment_id: str,
    what: str,
    filter_string: str = "",
) -> Optional[str]:
    """Id of the first run a search returns; None when it returns none or fails (logged)."""
    try:
        runs = client.search_runs(
            experiment_ids=[experiment_id], filter_string=filter_string, max_results=1, order_by=NEWEST_FIRST
        )
    except Exception as exc:
        logger.warning("%s search failed: %s", what, exc)
        return None
    return str(runs[0].info.run_id) if runs else None


def _context_filter(context: Any) -> str:
    """P5's filter: stage, model, env and spec_fp when set, and always the variant."""
    fields = {
        "code.stage": context.stage,
        "code.model": context.model,
        "code.env": context.environment,
        "code.spec_fp": context.spec_fp,
    }
    return tags_filter(
        {**{key: value for key, value in fields.items() if value}, "code.variant": context.variant}
    )


def _direct_query(client: MlflowClient, experiment_name: str) -> RunLookupReport:
    """The caller's last resort after a miss: look the experiment up again, take its newest run.

    A fresh by-name lookup and an unfiltered ``start_time DESC`` search (not P7's
    ``attributes.start_time``). A hit reports :data:`STRATEGY_DIRECT_QUERY`; an error is reported
    (not raised) as ``DIRECT_QUERY_FAILED`` plus the error text.
    """
    attempted = [*ALL_STRATEGIES, STRATEGY_DIRECT_QUERY]
    try:
        experiment = client.get_experiment_by_name(experiment_name)
        runs = (
            []
            if experiment is None
            else client.search_runs(
                experiment_ids=[experiment.experiment_id], max_results=1, order_by=NEWEST_FIRST
            )
        )
    except Exception as exc:
        return RunLookupReport(
            found=False, strategies_attempted=attempted, error=f"{DIRECT_QUERY_FAILED}{exc}"
        )
    if runs:
        return _hit(runs[0].info.run_id, STRATEGY_DIRECT_QUERY)
    return RunLookupReport(
        found=False,
        strategies_attempted=attempted,
        error=f"Could not find run in experiment '{experiment_name}' after trying all strategies",
    )


def find_run_by_trial_id(
    trial_id: str,
    experiment_name: Optional[str] = None,
    config_dir: Optional[Path] = None,
) -> RunLookupReport:
    """Find the newest run tagged ``code.trial_id`` and not ``code.interrupted = "true"``.

    Errors are reported, not raised, except ValueError for a trial id MLflow's filter grammar
    cannot express (before any store call).

    MLflow's filter grammar has no ``OR``/``IS NULL``, so only the trial id is filtered in MLflow
    and interrupted runs are skipped here, newest first, page by page. Without
    ``experiment_name`` every experiment is searched by name order (a failing one is skipped) and
    the first with a hit wins; with it, a search error is reported. ``config_dir`` is unused.
    """
    filter_string = tags_filter({"code.trial_id": trial_id})  # ValueError before any store call
    report = RunLookupReport(found=False, strategies_attempted=[TRIAL_ID_STRATEGY])
    try:
        client = MlflowClient()
        if experiment_name:
            experiment = client.get_experiment_by_name(experiment_name)
            if experiment is None:
                report.error = f"Experiment '{experiment_name}' not found"
                return report
            experiments: List[Any] = [experiment]
        else:
            experiments = list(client.search_experiments(order_by=["name ASC"]))
        for experiment in experiments:
            try:
                run_id = _newest_uninterrupted_run(client, experiment.experiment_id, filter_string)
            except Exception as exc:
                if experiment_name:
                    raise
                logger.debug("Trial-id search in experiment %s failed: %s", experiment.experiment_id, exc)
                continue
            if run_id:
                return _hit(run_id, TRIAL_ID_STRATEGY)
        report.error = f"No run found with trial_id='{trial_id}'"
    except Exception as exc:
        report.error = f"Trial ID search failed: {exc}"
    return report


#: Runs per page of the trial-id search (interrupted runs are skipped client-side).
TRIAL_ID_PAGE_SIZE = 100


def _newest_uninterrupted_run(client: MlflowClient, experiment_id: str, filter_string: str) -> Optional[str]:
    """Id of the newest run matching ``filter_string`` not tagged ``code.interrupted = "true"``, else None."""
    page_token = None
    while True:
        page = client.search_runs(
            [experiment_id], filter_string, max_results=TRIAL_ID_PAGE_SIZE,
            order_by=NEWEST_FIRST, page_token=page_token,
        )  # fmt: skip
        for run in page:
            if run.data.tags.get("code.interrupted") != "true":
                return str(run.info.run_id)
        page_token = page.token
        if not page_token:
            return None
