"""Golden scenarios: the run finder (legacy-support §3, §10.1-2, §12.1-4).

find_mlflow_run: each strategy P1-P7 hit and miss, strict mode (argument and config), the
experiment lookup, quoted filter values. find_run_by_trial_id: the newest
uninterrupted run of a trial.
Every scenario leaves older runs in the store and shows they are untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mlflow
import pytest
from _support_legacy_support import UNKNOWN_RUN_ID, make_run, report
from scenario_support import index_path, make_config_dir

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.run_keys import build_mlflow_run_key, build_mlflow_run_key_hash
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.tracking.mlflow.finder import find_mlflow_run, find_run_by_trial_id
from infrastructure.tracking.mlflow.index import update_mlflow_index
from infrastructure.tracking.mlflow.trackers.training_tracker import MLflowTrainingTracker
from training.execution.mlflow_setup import create_training_mlflow_run

EXPERIMENT = "train"
FINAL_CONTEXT = NamingContext("final_training", "deberta", "local", spec_fp="spec01", exec_fp="exec02")
RUN_KEY_HASH = "a" * 64


def _arrange(client: Any) -> dict[str, str]:
    """Experiment ``train`` with an ``older`` and a ``newest`` run; ``elsewhere`` in ``other``."""
    experiment_id = client.create_experiment(EXPERIMENT)
    other_id = client.create_experiment("other")
    return {
        "experiment_id": experiment_id,
        "older": make_run(client, experiment_id, "older"),
        "newest": make_run(client, experiment_id, "newest"),
        "elsewhere": make_run(client, other_id, "elsewhere"),
    }


def _find(**kwargs: Any) -> Any:
    return report(find_mlflow_run(EXPERIMENT, **kwargs))


def _metadata(tmp_path: Path, content: Any) -> Path:
    """``<tmp>/out/metadata.json`` holding ``content`` (a str is written verbatim)."""
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    text = content if isinstance(content, str) else json.dumps(content)
    (output_dir / "metadata.json").write_text(text, encoding="utf-8")
    return output_dir


def _find_by_metadata(tracking_store: Any, key: str, run: str, **kwargs: Any) -> Any:
    """``_arrange``, then find with an output dir whose metadata.json holds ``key``: run ``run``'s id."""
    runs = _arrange(tracking_store.client)
    output_dir = _metadata(tracking_store.tmp_path, {key: {"run_id": runs[run]}})
    return _find(output_dir=output_dir, **kwargs)


# -- P1 direct_run_id ------------------------------------------------------------------------------
def test_direct_run_id_in_the_same_experiment_wins_over_newer_runs(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    golden.check(result=_find(run_id=runs["older"]))


def test_direct_run_id_of_a_deleted_run_still_counts(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tracking_store.client.delete_run(runs["older"])
    golden.check(result=_find(run_id=runs["older"]))


def test_direct_run_id_from_another_experiment_falls_through_to_most_recent(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    golden.check(result=_find(run_id=runs["elsewhere"]))


def test_direct_run_id_unknown_falls_through_to_most_recent(tracking_store, golden):
    _arrange(tracking_store.client)
    golden.check(result=_find(run_id=UNKNOWN_RUN_ID))


# -- P2 metadata_json ------------------------------------------------------------------------------
def test_metadata_json_mlflow_info_key_selects_its_run(tracking_store, golden):
    golden.check(result=_find_by_metadata(tracking_store, "mlflow_info", "older"))


def test_metadata_json_mlflow_key_written_by_trackers_selects_its_run(tracking_store, golden):
    golden.check(result=_find_by_metadata(tracking_store, "mlflow", "older"))


def test_metadata_json_mlflow_key_wins_over_the_old_mlflow_info_key(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    output_dir = _metadata(
        tracking_store.tmp_path,
        {"mlflow_info": {"run_id": runs["newest"]}, "mlflow": {"run_id": runs["older"]}},
    )
    golden.check(result=_find(output_dir=output_dir))


def test_metadata_json_written_by_the_training_tracker_selects_its_run(tracking_store, golden):
    """End to end: the training tracker's metadata.json finds its run, although newer runs exist."""
    runs = _arrange(tracking_store.client)
    output_dir = tracking_store.tmp_path / "outputs" / "final"
    with MLflowTrainingTracker(EXPERIMENT).start_training_run(
        "tracked", context=FINAL_CONTEXT, output_dir=output_dir
    ) as tracked:
        tracked_id = tracked.info.run_id
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result={"report": _find(output_dir=output_dir), "tracked": tracked_id})


def test_metadata_json_run_of_another_experiment_falls_through(tracking_store, golden):
    golden.check(result=_find_by_metadata(tracking_store, "mlflow_info", "elsewhere"))


def test_metadata_json_corrupt_file_is_swallowed(tracking_store, golden):
    _arrange(tracking_store.client)
    output_dir = _metadata(tracking_store.tmp_path, "{not json")
    golden.check(result=_find(output_dir=output_dir))


def test_metadata_json_is_read_before_the_local_index(tracking_store, golden):
    golden.check(result=_find_by_metadata(tracking_store, "mlflow_info", "older", context=FINAL_CONTEXT))


# -- P3 local_index --------------------------------------------------------------------------------
# (strict=False: a config_dir would otherwise make these lookups strict, see strict mode below.)
def _indexed_run(tracking_store: Any, experiment: str = EXPERIMENT) -> dict[str, Any]:
    """``_arrange``; create_training_mlflow_run indexes a FINAL_CONTEXT run in ``experiment``;
    then a ``later`` run makes the indexed one not the newest."""
    runs = _arrange(tracking_store.client)
    config_dir = make_config_dir(tracking_store.tmp_path)
    indexed, _ = create_training_mlflow_run(
        experiment, "indexed", root_dir=config_dir.parent, config_dir=config_dir, context=FINAL_CONTEXT
    )
    make_run(tracking_store.client, runs["experiment_id"], "later")
    return {"indexed": indexed, "root_dir": config_dir.parent, "config_dir": config_dir}


def test_local_index_finds_the_run_create_training_mlflow_run_indexed(tracking_store, golden):
    arranged = _indexed_run(tracking_store)
    found = _find(
        context=FINAL_CONTEXT, root_dir=arranged["root_dir"], config_dir=arranged["config_dir"], strict=False
    )
    golden.check(result={"report": found, "indexed": arranged["indexed"]})


def test_local_index_entry_of_another_experiment_is_skipped(tracking_store, golden):
    arranged = _indexed_run(tracking_store, experiment="other")
    found = _find(
        context=FINAL_CONTEXT, root_dir=arranged["root_dir"], config_dir=arranged["config_dir"], strict=False
    )
    golden.check(result={"report": found, "indexed": arranged["indexed"]})


def test_local_index_entry_of_another_tracking_uri_is_skipped(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    config_dir = make_config_dir(tracking_store.tmp_path)
    update_mlflow_index(
        config_dir.parent, RUN_KEY_HASH, runs["older"], runs["experiment_id"], "http://elsewhere:5000",
        config_dir=config_dir,
    )  # fmt: skip
    found = _find(run_key_hash=RUN_KEY_HASH, root_dir=config_dir.parent, config_dir=config_dir, strict=False)
    golden.check(result=found)


def test_local_index_corrupt_file_is_skipped(tracking_store, golden):
    _arrange(tracking_store.client)
    config_dir = make_config_dir(tracking_store.tmp_path)
    index_file = index_path(config_dir)
    index_file.parent.mkdir(parents=True)
    index_file.write_text("{not json", encoding="utf-8")
    found = _find(run_key_hash=RUN_KEY_HASH, root_dir=config_dir.parent, config_dir=config_dir, strict=False)
    golden.check(result=found)


def test_local_index_without_an_index_file_falls_through_and_creates_no_folder(tracking_store, golden):
    _arrange(tracking_store.client)
    root = tracking_store.tmp_path / "root"
    found = _find(run_key_hash=RUN_KEY_HASH, root_dir=root)
    golden.check(result={"report": found, "root_created": root.exists()})


def test_local_index_root_derived_from_output_dir_without_an_entry_falls_through(tracking_store, golden):
    _arrange(tracking_store.client)
    golden.check(result=_find(context=FINAL_CONTEXT, output_dir=tracking_store.tmp_path / "a" / "b"))


def test_local_index_incomplete_context_raises_the_run_key_value_error(tracking_store, golden):
    _arrange(tracking_store.client)
    with golden.catch_error():
        _find(context=NamingContext("hpo_refit", "distilbert", "local"))
    golden.check()


def test_local_index_without_root_is_skipped(tracking_store, golden):
    _arrange(tracking_store.client)
    golden.check(result=_find(run_key_hash=RUN_KEY_HASH))


def _index_older_under(root: Path, runs: dict[str, str], config_dir: Path | None = None) -> None:
    """An index entry RUN_KEY_HASH -> ``older``: under ``root/outputs/cache``, or ``config_dir``'s."""
    update_mlflow_index(
        root,
        RUN_KEY_HASH,
        runs["older"],
        runs["experiment_id"],
        mlflow.get_tracking_uri(),
        config_dir=config_dir,
    )


def test_local_index_root_dir_without_config_dir_reads_the_index_under_the_root(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    root = tracking_store.tmp_path / "root"
    _index_older_under(root, runs)
    golden.check(result=_find(run_key_hash=RUN_KEY_HASH, root_dir=root))


def test_local_index_root_is_the_fifth_ancestor_of_output_dir(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    root = tracking_store.tmp_path / "root"
    _index_older_under(root, runs)
    output_dir = root / "outputs" / "final" / "deberta" / "spec01" / "exec02"
    golden.check(result=_find(run_key_hash=RUN_KEY_HASH, output_dir=output_dir))


def test_local_index_is_not_read_with_a_config_dir_but_no_root(tracking_store, golden):
    """P3 needs a root (``root_dir`` or ``output_dir``); a ``config_dir`` alone does not enable it."""
    runs = _arrange(tracking_store.client)
    config_dir = make_config_dir(tracking_store.tmp_path)
    _index_older_under(config_dir.parent, runs, config_dir=config_dir)
    golden.check(result=_find(run_key_hash=RUN_KEY_HASH, config_dir=config_dir, strict=False))


# -- P4 tag_run_key_hash ---------------------------------------------------------------------------
def test_tag_run_key_hash_explicit_hash_finds_the_tagged_run(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tagged = make_run(
        tracking_store.client, runs["experiment_id"], "tagged", tags={"code.run_key_hash": RUN_KEY_HASH}
    )
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result={"report": _find(run_key_hash=RUN_KEY_HASH), "tagged": tagged})


def test_tag_run_key_hash_two_tagged_runs_gives_the_newest(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    for name in ("tagged-first", "tagged-second"):
        make_run(tracking_store.client, runs["experiment_id"], name, tags={"code.run_key_hash": RUN_KEY_HASH})
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result=_find(run_key_hash=RUN_KEY_HASH))


#: A start time after every clock-made run: runs created with it are the newest, and tie.
TIED = 4_000_000_000_000


def _tied_runs(client: Any, experiment_id: str, tags: dict[str, str] | None = None) -> dict[str, str]:
    """``b-tied`` then ``a-tied``, started in the same millisecond (the newest runs)."""
    return {
        name: make_run(client, experiment_id, name, tags=tags, start_time=TIED)
        for name in ("b-tied", "a-tied")
    }


#: Runs started together in the by-name tie-break scenarios. The stores' default tie-break is the
#: random run id, so a search without the run-name order would still take ``tied-00`` 1 time in 40.
MANY_TIED = 40


def _many_tied_runs(client: Any, experiment_id: str, tags: dict[str, str] | None = None) -> str:
    """``tied-39`` ... ``tied-00`` in that order, all started at TIED; the id of ``tied-00``."""
    ids = [
        make_run(client, experiment_id, f"tied-{number:02d}", tags=tags, start_time=TIED)
        for number in reversed(range(MANY_TIED))
    ]
    return ids[-1]


def test_tag_run_key_hash_runs_started_together_go_by_run_name(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tied = _tied_runs(tracking_store.client, runs["experiment_id"], {"code.run_key_hash": RUN_KEY_HASH})
    golden.check(result={"report": _find(run_key_hash=RUN_KEY_HASH), **tied})


def test_tag_run_key_hash_derived_from_the_context(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    derived = build_mlflow_run_key_hash(build_mlflow_run_key(FINAL_CONTEXT))
    make_run(tracking_store.client, runs["experiment_id"], "tagged", tags={"code.run_key_hash": derived})
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result=_find(context=FINAL_CONTEXT))


def test_tag_run_key_hash_explicit_hash_beats_the_context_hash(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    derived = build_mlflow_run_key_hash(build_mlflow_run_key(FINAL_CONTEXT))
    make_run(
        tracking_store.client, runs["experiment_id"], "context-hash", tags={"code.run_key_hash": derived}
    )
    make_run(
        tracking_store.client,
        runs["experiment_id"],
        "explicit-hash",
        tags={"code.run_key_hash": RUN_KEY_HASH},
    )
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result=_find(context=FINAL_CONTEXT, run_key_hash=RUN_KEY_HASH, strict=True))


def test_tag_run_key_hash_miss_falls_through_to_most_recent(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "tagged", tags={"code.run_key_hash": "b" * 64})
    golden.check(result=_find(run_key_hash=RUN_KEY_HASH))


# -- P5 tag_context --------------------------------------------------------------------------------
def _context_tagged_run(tracking_store: Any, experiment_id: str) -> str:
    """A run tagged like the trackers tag it (build_mlflow_tags: code.stage = process_type)."""
    return make_run(
        tracking_store.client, experiment_id, "context-tagged", tags=build_mlflow_tags(context=FINAL_CONTEXT)
    )


def _arrange_context_tagged_then_later(tracking_store: Any) -> None:
    """``_arrange``, a context-tagged run, then a ``later`` untagged run (the most recent fallback)."""
    runs = _arrange(tracking_store.client)
    _context_tagged_run(tracking_store, runs["experiment_id"])
    make_run(tracking_store.client, runs["experiment_id"], "later")


def _final_context(**fields: Any) -> NamingContext:
    """FINAL_CONTEXT's fields plus ``fields``."""
    return NamingContext("final_training", "deberta", "local", spec_fp="spec01", exec_fp="exec02", **fields)


def test_tag_context_without_stage_matches_tracker_tags(tracking_store, golden):
    _arrange_context_tagged_then_later(tracking_store)
    golden.check(result=_find(context=FINAL_CONTEXT))


def test_tag_context_finds_a_training_tracker_run_that_the_hash_search_misses(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tracker = MLflowTrainingTracker(EXPERIMENT)
    with tracker.start_training_run("tracked-final", context=FINAL_CONTEXT):
        pass
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result=_find(context=FINAL_CONTEXT))


def test_tag_context_runs_started_together_go_by_run_name(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tied = _tied_runs(tracking_store.client, runs["experiment_id"], build_mlflow_tags(context=FINAL_CONTEXT))
    golden.check(result={"report": _find(context=FINAL_CONTEXT), **tied})


def test_tag_context_with_a_stage_never_matches_tracker_tags(tracking_store, golden):
    _arrange_context_tagged_then_later(tracking_store)
    golden.check(result=_find(context=_final_context(stage="training")))


def test_tag_context_with_stage_equal_to_process_type_matches(tracking_store, golden):
    _arrange_context_tagged_then_later(tracking_store)
    golden.check(result=_find(context=_final_context(stage="final_training")))


def test_tag_context_variant_mismatch_falls_through(tracking_store, golden):
    _arrange_context_tagged_then_later(tracking_store)
    golden.check(result=_find(context=_final_context(variant=2)))


def test_tag_context_is_not_tried_in_strict_mode(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    _context_tagged_run(tracking_store, runs["experiment_id"])
    with golden.catch_error():
        _find(context=FINAL_CONTEXT, strict=True)
    golden.check()


# -- P6 run_name_tag -------------------------------------------------------------------------------
def test_run_name_tag_is_never_used_with_a_naming_context(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "local_deberta_final_training_v1")
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(
        result=_find(context=NamingContext("final_training", "deberta", "local", spec_fp="x", exec_fp="y"))
    )


def test_run_name_tag_finds_the_run_for_a_context_carrying_run_name(tracking_store, golden):
    """A non-NamingContext context with a ``run_name``, empty stage/model/env/spec_fp and a variant
    no run carries: P4 and P5 miss, P6 finds ``older`` by its run name (not the newest run)."""
    _arrange(tracking_store.client)
    golden.check(result=_find(context=_context_carrying_run_name("older"), run_key_hash=RUN_KEY_HASH))


def test_run_name_tag_miss_falls_through_to_the_most_recent_run(tracking_store, golden):
    """The same context, but no run carries its ``run_name``: P6 misses and P7 takes the newest."""
    _arrange(tracking_store.client)
    golden.check(result=_find(context=_context_carrying_run_name("nobody"), run_key_hash=RUN_KEY_HASH))


def _context_carrying_run_name(run_name: str) -> SimpleNamespace:
    """A non-NamingContext context whose P5 filter matches no run (variant 99), with a run name."""
    return SimpleNamespace(stage=None, model="", environment="", spec_fp=None, variant=99, run_name=run_name)


# -- P7 most_recent_fallback -----------------------------------------------------------------------
@pytest.mark.parametrize("status", ["FINISHED", "FAILED", "KILLED", None], ids=lambda s: s or "RUNNING")
def test_most_recent_fallback_picks_the_newest_run_in_any_status(tracking_store, golden, status):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "newest-any-status", status=status)
    golden.check(result=_find())


def test_most_recent_fallback_skips_deleted_runs(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "deleted-newest", deleted=True)
    golden.check(result=_find())


def test_most_recent_fallback_orders_by_start_time_not_creation(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "created-last-started-first", start_time=1_000)
    golden.check(result=_find())


def test_most_recent_fallback_runs_started_together_go_by_run_name(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tied = _tied_runs(tracking_store.client, runs["experiment_id"])
    golden.check(result={"report": _find(), **tied})


def test_miss_in_an_empty_experiment_lists_all_seven_strategies(tracking_store, golden):
    _arrange(tracking_store.client)
    tracking_store.client.create_experiment("empty")
    golden.check(result=report(find_mlflow_run("empty", context=FINAL_CONTEXT, run_id=UNKNOWN_RUN_ID)))


# -- direct query fallback (apply_lineage_tags' last resort) --------------------------------------
def test_direct_query_fallback_miss_in_an_empty_experiment_lists_eight_strategies(tracking_store, golden):
    _arrange(tracking_store.client)
    tracking_store.client.create_experiment("empty")
    golden.check(result=report(find_mlflow_run("empty", direct_query_fallback=True)))


def test_direct_query_fallback_error_is_reported_not_raised(tracking_store, golden, store_faults):
    """P7's search and the direct query's search fail: a miss report carrying the second error."""
    _arrange(tracking_store.client)
    store_faults.fail("search_runs", calls=(1, 2))
    golden.check(result=_find(direct_query_fallback=True))


def test_direct_query_fallback_runs_started_together_go_by_run_name(tracking_store, golden, store_faults):
    """P7's search fails; of MANY_TIED runs started in the same millisecond the direct query takes
    ``tied-00``, the first by run name (not the lowest random run id)."""
    runs = _arrange(tracking_store.client)
    first_by_name = _many_tied_runs(tracking_store.client, runs["experiment_id"])
    store_faults.fail("search_runs", calls=1)
    golden.check(result={"report": _find(direct_query_fallback=True), "tied-00": first_by_name})


def test_most_recent_of_many_runs_started_together_goes_by_run_name(tracking_store, golden):
    """P7: of MANY_TIED runs started in the same millisecond the newest-run search takes ``tied-00``,
    the first by run name (not the lowest random run id)."""
    runs = _arrange(tracking_store.client)
    first_by_name = _many_tied_runs(tracking_store.client, runs["experiment_id"])
    golden.check(result={"report": _find(), "tied-00": first_by_name})


# -- strict mode -----------------------------------------------------------------------------------
def test_strict_true_hit_reports_the_winning_strategy(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    golden.check(result=_find(run_id=runs["older"], strict=True))


def test_strict_true_miss_raises_value_error(tracking_store, golden):
    _arrange(tracking_store.client)
    with golden.catch_error():
        _find(run_id=UNKNOWN_RUN_ID, run_key_hash=RUN_KEY_HASH, strict=True)
    golden.check()


@pytest.mark.parametrize(
    "mlflow_cfg",
    [
        {"run_finder": {"strict_mode_default": True}},
        {"run_finder": {"strict_mode_default": False}},
        {"run_finder": {"strict": False}},
        None,
    ],
    ids=["true", "false", "only_an_unknown_strict_key", "no_mlflow_yaml"],
)
def test_strict_none_follows_the_config_strict_mode_default(tracking_store, golden, mlflow_cfg):
    """strict=None takes run_finder.strict_mode_default; the config loader's default is True."""
    _arrange(tracking_store.client)
    config_dir = make_config_dir(tracking_store.tmp_path, mlflow_cfg=mlflow_cfg)
    result = None
    with golden.catch_error():
        result = _find(config_dir=config_dir)
    golden.check(result=result)


def test_strict_false_explicit_overrides_the_config(tracking_store, golden):
    _arrange(tracking_store.client)
    config_dir = make_config_dir(
        tracking_store.tmp_path, mlflow_cfg={"run_finder": {"strict_mode_default": True}}
    )
    golden.check(result=_find(config_dir=config_dir, strict=False))


def test_strict_false_explicit_tries_every_strategy(tracking_store, golden):
    _arrange(tracking_store.client)
    golden.check(result=_find(strict=False, run_id=UNKNOWN_RUN_ID))


# -- experiment lookup -----------------------------------------------------------------------------
def test_missing_experiment_raises_runtime_error(tracking_store, golden):
    _arrange(tracking_store.client)
    with golden.catch_error():
        report(find_mlflow_run("absent"))
    golden.check()


def test_experiment_lookup_failure_raises_runtime_error(tracking_store, golden, store_faults):
    _arrange(tracking_store.client)
    store_faults.fail("get_experiment_by_name", calls=1)
    with golden.catch_error():
        _find()
    golden.check()


def test_deleted_experiment_resolves_but_yields_no_run(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    tracking_store.client.delete_experiment(runs["experiment_id"])
    golden.check(result=_find())


def test_search_errors_are_swallowed_strategy_by_strategy(tracking_store, golden, store_faults):
    runs = _arrange(tracking_store.client)
    _context_tagged_run(tracking_store, runs["experiment_id"])
    store_faults.fail("search_runs", calls=(1, 2))
    golden.check(
        result={"report": _find(context=FINAL_CONTEXT), "search_calls": store_faults.calls("search_runs")}
    )


# -- quotes in filter values (legacy-support §12.1) ------------------------------------------------
def test_quote_in_run_key_hash_finds_the_tagged_run(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "tagged", tags={"code.run_key_hash": "it's"})
    golden.check(result=_find(run_key_hash="it's"))


def test_quote_in_run_key_hash_strict_finds_the_tagged_run(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    make_run(tracking_store.client, runs["experiment_id"], "tagged", tags={"code.run_key_hash": "it's"})
    golden.check(result=_find(run_key_hash="it's", strict=True))


def test_quote_in_context_model_finds_the_context_tagged_run(tracking_store, golden):
    runs = _arrange(tracking_store.client)
    quoted = NamingContext("final_training", "bert's", "local", spec_fp="spec01", exec_fp="exec02")
    make_run(
        tracking_store.client, runs["experiment_id"], "context-tagged", tags=build_mlflow_tags(context=quoted)
    )
    make_run(tracking_store.client, runs["experiment_id"], "later")
    golden.check(result=_find(context=quoted))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"run_key_hash": 'it\'s "x"'},
        {"context": NamingContext("final_training", 'it\'s "x"', "local", spec_fp="s", exec_fp="e")},
        {
            "context": SimpleNamespace(
                stage=None, model="", environment="", spec_fp=None, variant=1, run_name="a'\""
            )
        },
    ],
    ids=["run_key_hash", "context_model", "context_run_name"],
)
def test_both_quote_kinds_in_a_filter_value_raise_before_any_store_call(tracking_store, golden, kwargs):
    _arrange(tracking_store.client)
    with golden.catch_error():
        _find(**kwargs)
    golden.check()


# -- find_run_by_trial_id --------------------------------------------------------------------------
def _trial_runs(client: Any) -> dict[str, str]:
    """``trial-3`` (older), then ``trial-3-interrupted`` (newer, tagged interrupted)."""
    experiment_id = client.create_experiment(EXPERIMENT)
    return {
        "experiment_id": experiment_id,
        "trial-3": make_run(client, experiment_id, "trial-3", tags={"code.trial_id": "trial_3"}),
        "trial-3-interrupted": make_run(
            client,
            experiment_id,
            "trial-3-interrupted",
            tags={"code.trial_id": "trial_3", "code.interrupted": "true"},
        ),
    }


def test_trial_id_with_experiment_name_finds_the_newest_uninterrupted_run(tracking_store, golden):
    runs = _trial_runs(tracking_store.client)
    golden.check(
        result={"report": report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT)), **runs}
    )


def test_trial_id_without_experiment_name_searches_every_experiment(tracking_store, golden):
    runs = _trial_runs(tracking_store.client)
    golden.check(result={"report": report(find_run_by_trial_id("trial_3")), **runs})


def test_trial_id_without_experiment_name_skips_an_experiment_whose_search_fails(
    tracking_store, golden, store_faults
):
    runs = _trial_runs(tracking_store.client)
    store_faults.fail("search_runs", calls=1)  # the first experiment by name: Default
    golden.check(result={"report": report(find_run_by_trial_id("trial_3")), **runs})


def test_trial_id_without_experiment_name_takes_the_first_experiment_by_name(tracking_store, golden):
    client = tracking_store.client
    later_by_name = make_run(client, client.create_experiment("b-trials"), "b", tags={"code.trial_id": "t"})
    first_by_name = make_run(client, client.create_experiment("a-trials"), "a", tags={"code.trial_id": "t"})
    found = report(find_run_by_trial_id("t"))
    golden.check(result={"report": found, "a-trials": first_by_name, "b-trials": later_by_name})


def test_trial_id_runs_started_together_go_by_run_name(tracking_store, golden):
    runs = _trial_runs(tracking_store.client)
    tied = _tied_runs(tracking_store.client, runs["experiment_id"], {"code.trial_id": "trial_3"})
    golden.check(
        result={"report": report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT)), **tied}
    )


def test_trial_id_runs_started_together_go_by_run_name_not_by_run_id(tracking_store, golden):
    """Of MANY_TIED runs of the trial started in the same millisecond the search takes ``tied-00``,
    the first by run name (not the lowest random run id)."""
    runs = _trial_runs(tracking_store.client)
    first_by_name = _many_tied_runs(
        tracking_store.client, runs["experiment_id"], {"code.trial_id": "trial_3"}
    )
    found = report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT))
    golden.check(result={"report": found, "tied-00": first_by_name})


def test_trial_id_interrupted_other_than_true_counts_as_uninterrupted(tracking_store, golden):
    runs = _trial_runs(tracking_store.client)
    newest = make_run(
        tracking_store.client,
        runs["experiment_id"],
        "trial-3-resumed",
        tags={"code.trial_id": "trial_3", "code.interrupted": "false"},
    )
    found = report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT))
    golden.check(result={"report": found, "trial-3-resumed": newest})


def test_trial_id_with_only_interrupted_runs_is_a_miss(tracking_store, golden):
    runs = _trial_runs(tracking_store.client)
    tracking_store.client.delete_run(runs["trial-3"])
    golden.check(result=report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT)))


def test_trial_id_of_another_trial_is_not_found(tracking_store, golden):
    _trial_runs(tracking_store.client)
    golden.check(result=report(find_run_by_trial_id("trial_30")))


def test_trial_id_unknown_experiment_is_reported(tracking_store, golden):
    _trial_runs(tracking_store.client)
    golden.check(result=report(find_run_by_trial_id("trial_3", experiment_name="absent")))


def test_trial_id_config_dir_is_unused(tracking_store, golden):
    _trial_runs(tracking_store.client)
    config_dir = make_config_dir(tracking_store.tmp_path, mlflow_cfg={"run_finder": {"strict": True}})
    golden.check(result=report(find_run_by_trial_id("trial_3", config_dir=config_dir)))


def test_trial_id_with_a_quote_finds_its_run(tracking_store, golden):
    runs = _trial_runs(tracking_store.client)
    quoted = make_run(
        tracking_store.client, runs["experiment_id"], "quoted", tags={"code.trial_id": "trial_'3"}
    )
    found = report(find_run_by_trial_id("trial_'3", experiment_name=EXPERIMENT))
    golden.check(result={"report": found, "quoted": quoted})


def test_trial_id_with_both_quote_kinds_raises_before_any_store_call(tracking_store, golden):
    _trial_runs(tracking_store.client)
    with golden.catch_error():
        find_run_by_trial_id("trial_'\"3", experiment_name=EXPERIMENT)
    golden.check()


def test_trial_id_search_error_with_experiment_name_is_reported(tracking_store, golden, store_faults):
    """With an experiment name a failing search is not skipped: the miss report carries its error."""
    _trial_runs(tracking_store.client)
    store_faults.fail("search_runs", calls=1)
    golden.check(result=report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT)))


def test_trial_id_finds_an_uninterrupted_run_behind_a_full_page_of_interrupted_ones(tracking_store, golden):
    """A whole first page of newer interrupted runs: the search reads the next page and finds ``trial-3``."""
    # Imported here: the page size is new since GC-5, and the module must import on the baseline code
    # (provenance re-records this module's baseline scenarios there).
    from infrastructure.tracking.mlflow.finder import TRIAL_ID_PAGE_SIZE

    runs = _trial_runs(tracking_store.client)
    for number in range(TRIAL_ID_PAGE_SIZE - 1):  # with ``trial-3-interrupted``: one full page
        tracking_store.client.create_run(
            runs["experiment_id"],
            run_name=f"interrupted-{number:03d}",
            tags={"code.trial_id": "trial_3", "code.interrupted": "true"},
        )
    found = report(find_run_by_trial_id("trial_3", experiment_name=EXPERIMENT))
    golden.check(result={"report": found, "trial-3": runs["trial-3"]})
