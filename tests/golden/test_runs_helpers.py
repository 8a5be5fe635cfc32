"""Golden scenarios: runs.create_run_safe, get_or_create_experiment, resolve_experiment_id.

legacy-core §1.2-§1.4, §6.1 (CRS column), §9.1.5 and §9.1.12. One branch per scenario. Every store
starts from ``arrange`` (see _support_runs_helpers), so each snapshot also shows that the runs and
experiments already there were left untouched. None of the three functions raises: each call sits
in ``golden.catch_error()`` so that a raise would show up in the snapshot's ``error``.
"""

from __future__ import annotations

from _support_runs_helpers import (
    MISSING_EXPERIMENT_ID,
    MISSING_RUN_ID,
    PARENT_TAG,
    QUOTED_NAME,
    QUOTED_VALUE,
    RUN_NAME_TAG,
    arrange,
    create_run_safe_outcome,
    ended_active_run,
    get_or_create_outcome,
    resolve_outcome,
    start_fluent_run,
)
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH


# -- create_run_safe: happy paths ------------------------------------------------------------------
def test_create_run_safe_without_tags_creates_running_unstarted_run(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, "fresh"))


def test_create_run_safe_with_empty_tags_dict(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, "fresh", tags={}))


def test_create_run_safe_with_tags_stores_them_and_leaves_the_dict_unmutated(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags = {"stage": "train", "fold": "0"}
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, "fresh", tags=tags))


def test_create_run_safe_in_default_experiment(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, "0", "fresh"))


def test_create_run_safe_parent_without_tags_adds_parent_tag(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(golden, known.other_experiment_id, "child", parent=known.parent_run_id)
    )


def test_create_run_safe_parent_argument_overrides_caller_parent_tag(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags = {PARENT_TAG: known.pre_run_id, "stage": "train"}
    golden.check(
        result=create_run_safe_outcome(
            golden, known.other_experiment_id, "child", tags=tags, parent=known.parent_run_id
        )
    )


def test_create_run_safe_empty_parent_returns_none_without_a_store_call(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "fresh", tags={"k": "v"}, parent=""
        )
    )


def test_create_run_safe_empty_parent_with_a_caller_parent_tag_returns_none(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags = {PARENT_TAG: known.pre_run_id}
    golden.check(
        result=create_run_safe_outcome(golden, known.existing_experiment_id, "fresh", tags=tags, parent="")
    )


def test_create_run_safe_does_not_check_that_the_parent_exists(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(golden, known.existing_experiment_id, "child", parent=MISSING_RUN_ID)
    )


def test_create_run_safe_parent_in_another_experiment_is_not_followed(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "child", parent=known.parent_run_id
        )
    )


# -- create_run_safe: run name vs mlflow.runName (R1) -----------------------------------------------
def test_create_run_safe_caller_run_name_tag_differing_returns_none(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags = {RUN_NAME_TAG: "tag-name"}
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, "arg-name", tags=tags))


def test_create_run_safe_caller_run_name_tag_equal_creates_run(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags = {RUN_NAME_TAG: "same"}
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, "same", tags=tags))


def test_create_run_safe_empty_run_name_takes_the_tag_name(tracking_store, golden):
    known = arrange(tracking_store.client)
    tags = {RUN_NAME_TAG: "tag-name"}
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, "", tags=tags))


def test_create_run_safe_empty_run_name_without_tag_gets_a_generated_name(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, ""))


def test_create_run_safe_run_name_with_quotes(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, known.existing_experiment_id, 'it\'s "named"'))


# -- create_run_safe: tag values --------------------------------------------------------------------
def test_create_run_safe_tag_value_with_quotes(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "fresh", tags={"note": QUOTED_VALUE}
        )
    )


def test_create_run_safe_tag_value_over_5000_chars_is_stored_whole(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "fresh", tags={"note": "x" * 5001}
        )
    )


def test_create_run_safe_tag_value_at_mlflows_limit_is_stored_whole(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "fresh", tags={"note": "y" * MAX_TAG_VAL_LENGTH}
        )
    )


def test_create_run_safe_tag_value_over_mlflows_limit_returns_none_without_a_store_call(
    tracking_store, golden
):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "fresh", tags={"note": "y" * (MAX_TAG_VAL_LENGTH + 1)}
        )
    )


def test_create_run_safe_sends_non_str_tag_values_as_str(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=create_run_safe_outcome(
            golden, known.existing_experiment_id, "fresh", tags={"count": 3, "ratio": 0.5, "none": None}
        )
    )


# -- create_run_safe: experiment id used as given -> None, nothing created -------------------------
def test_create_run_safe_nonexistent_experiment_returns_none(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, MISSING_EXPERIMENT_ID, "fresh", tags={"k": "v"}))


def test_create_run_safe_deleted_experiment_returns_none(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, known.deleted_experiment_id, "fresh"))


def test_create_run_safe_malformed_experiment_id_returns_none(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, "abc", "fresh"))


def test_create_run_safe_empty_experiment_id_returns_none(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, "", "fresh"))


def test_create_run_safe_experiment_name_is_not_resolved_as_id(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=create_run_safe_outcome(golden, "existing", "fresh"))


def test_create_run_safe_store_create_failure_returns_none_and_prints_nothing(
    tracking_store, golden, store_faults, capsys
):
    known = arrange(tracking_store.client)
    store_faults.fail("create_run")
    outcome = create_run_safe_outcome(
        golden, known.existing_experiment_id, "fresh", tags={"k": "v"}, parent=known.parent_run_id
    )
    outcome["stdout"] = capsys.readouterr().out
    golden.check(result=outcome)


# -- create_run_safe: Azure URI --------------------------------------------------------------------
def test_create_run_safe_on_azure_uri_adds_no_azure_tags(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    tags = {"stage": "trial"}
    golden.check(
        result=create_run_safe_outcome(
            golden, known.other_experiment_id, "child", tags=tags, parent=known.parent_run_id
        )
    )


def test_create_run_safe_on_azure_uri_keeps_caller_azure_tags_only(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    tags = {"azureml.runType": "refit"}
    golden.check(result=create_run_safe_outcome(golden, known.other_experiment_id, "refit", tags=tags))


# -- get_or_create_experiment ----------------------------------------------------------------------
def test_get_or_create_experiment_existing_returns_its_id(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, "existing"))


def test_get_or_create_experiment_missing_creates_it(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, "fresh"))


def test_get_or_create_experiment_deleted_counts_as_found(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, "deleted"))


def test_get_or_create_experiment_default_by_name(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, "Default"))


def test_get_or_create_experiment_empty_name_returns_none(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, ""))


def test_get_or_create_experiment_name_with_quotes_is_created(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, QUOTED_NAME))


def test_get_or_create_experiment_name_with_quotes_is_found(tracking_store, golden):
    arrange(tracking_store.client)
    tracking_store.client.create_experiment(QUOTED_NAME)
    golden.check(result=get_or_create_outcome(golden, QUOTED_NAME))


def test_get_or_create_experiment_name_is_case_sensitive(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=get_or_create_outcome(golden, "Existing"))


def test_get_or_create_experiment_create_failure_returns_none_and_prints_nothing(
    tracking_store, golden, store_faults, capsys
):
    arrange(tracking_store.client)
    store_faults.fail("create_experiment")
    returned = get_or_create_outcome(golden, "fresh")
    golden.check(result={"returned": returned, "stdout": capsys.readouterr().out})


def test_get_or_create_experiment_lookup_failure_returns_none_without_creating(
    tracking_store, golden, store_faults
):
    arrange(tracking_store.client)
    store_faults.fail("get_experiment_by_name")
    store_faults.watch("create_experiment")
    returned = get_or_create_outcome(golden, "fresh")
    golden.check(result={"returned": returned, "create_calls": store_faults.calls("create_experiment")})


def test_get_or_create_experiment_on_azure_uri(tracking_store, golden):
    arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(result=get_or_create_outcome(golden, "fresh"))


# -- resolve_experiment_id: the sources in order ---------------------------------------------------
def test_resolve_experiment_id_parent_gives_its_experiment(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, parent_run_id=known.parent_run_id))


def test_resolve_experiment_id_parent_wins_over_experiment_name(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=resolve_outcome(golden, experiment_name="existing", parent_run_id=known.parent_run_id)
    )


def test_resolve_experiment_id_parent_wins_over_active_run_argument(tracking_store, golden):
    known = arrange(tracking_store.client)
    given = ended_active_run(known.existing_experiment_id, "given")
    golden.check(result=resolve_outcome(golden, parent_run_id=known.parent_run_id, active_run=given))


def test_resolve_experiment_id_missing_parent_falls_to_experiment_name(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="existing", parent_run_id=MISSING_RUN_ID))


def test_resolve_experiment_id_malformed_parent_falls_to_experiment_name(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="existing", parent_run_id="not-a-run-id"))


def test_resolve_experiment_id_empty_parent_is_skipped(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="existing", parent_run_id=""))


def test_resolve_experiment_id_experiment_name_alone(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="other"))


def test_resolve_experiment_id_experiment_name_with_quotes(tracking_store, golden):
    arrange(tracking_store.client)
    tracking_store.client.create_experiment(QUOTED_NAME)
    golden.check(result=resolve_outcome(golden, experiment_name=QUOTED_NAME))


def test_resolve_experiment_id_deleted_experiment_name_is_found(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="deleted"))


def test_resolve_experiment_id_missing_name_falls_to_active_run_object(tracking_store, golden):
    known = arrange(tracking_store.client)
    given = ended_active_run(known.existing_experiment_id, "given")
    golden.check(result=resolve_outcome(golden, experiment_name="fresh", active_run=given))


def test_resolve_experiment_id_missing_name_falls_to_plain_run_object(tracking_store, golden):
    known = arrange(tracking_store.client)
    given = tracking_store.client.get_run(known.pre_run_id)
    golden.check(result=resolve_outcome(golden, experiment_name="fresh", active_run=given))


def test_resolve_experiment_id_missing_name_does_not_create_it(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="fresh"))


def test_resolve_experiment_id_empty_name_is_skipped(tracking_store, golden):
    known = arrange(tracking_store.client)
    given = tracking_store.client.get_run(known.pre_run_id)
    golden.check(result=resolve_outcome(golden, experiment_name="", active_run=given))


def test_resolve_experiment_id_all_sources_missing_returns_none(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, experiment_name="fresh", parent_run_id=MISSING_RUN_ID))


def test_resolve_experiment_id_no_arguments_returns_none_and_prints_nothing(tracking_store, golden, capsys):
    arrange(tracking_store.client)
    returned = resolve_outcome(golden)
    golden.check(result={"returned": returned, "stdout": capsys.readouterr().out})


def test_resolve_experiment_id_active_run_without_info_returns_none(tracking_store, golden):
    arrange(tracking_store.client)
    golden.check(result=resolve_outcome(golden, active_run="not-a-run"))


# -- resolve_experiment_id: the active_run argument vs the fluent stack ----------------------------
def test_resolve_experiment_id_uses_active_run_argument_while_fluent_run_active(tracking_store, golden):
    known = arrange(tracking_store.client)
    given = tracking_store.client.get_run(known.pre_run_id)
    start_fluent_run(known.other_experiment_id, "fluent")
    golden.check(result=resolve_outcome(golden, active_run=given))


def test_resolve_experiment_id_uses_active_run_object_of_the_fluent_run(tracking_store, golden):
    known = arrange(tracking_store.client)
    fluent = start_fluent_run(known.other_experiment_id, "fluent")
    golden.check(result=resolve_outcome(golden, active_run=fluent))


def test_resolve_experiment_id_uses_ended_active_run_argument(tracking_store, golden):
    known = arrange(tracking_store.client)
    given = ended_active_run(known.other_experiment_id, "given")
    golden.check(result=resolve_outcome(golden, active_run=given))


def test_resolve_experiment_id_ignores_fluent_active_run_without_argument(tracking_store, golden):
    known = arrange(tracking_store.client)
    start_fluent_run(known.other_experiment_id, "fluent")
    golden.check(result=resolve_outcome(golden))


# -- resolve_experiment_id: deleted and failing sources --------------------------------------------
def test_resolve_experiment_id_parent_in_deleted_experiment_gives_that_experiment(tracking_store, golden):
    known = arrange(tracking_store.client)
    golden.check(
        result=resolve_outcome(golden, experiment_name="existing", parent_run_id=known.orphan_run_id)
    )


def test_resolve_experiment_id_deleted_parent_run_still_gives_its_experiment(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.client.delete_run(known.parent_run_id)
    golden.check(result=resolve_outcome(golden, parent_run_id=known.parent_run_id))


def test_resolve_experiment_id_get_run_failure_falls_to_experiment_name(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    store_faults.fail("get_run")
    golden.check(
        result=resolve_outcome(golden, experiment_name="existing", parent_run_id=known.parent_run_id)
    )


def test_resolve_experiment_id_get_run_failure_without_other_sources_returns_none(
    tracking_store, golden, store_faults
):
    known = arrange(tracking_store.client)
    store_faults.fail("get_run")
    golden.check(result=resolve_outcome(golden, parent_run_id=known.parent_run_id))


def test_resolve_experiment_id_lookup_failure_falls_to_active_run(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    given = tracking_store.client.get_run(known.pre_run_id)
    store_faults.fail("get_experiment_by_name")
    golden.check(result=resolve_outcome(golden, experiment_name="other", active_run=given))


def test_resolve_experiment_id_on_azure_uri(tracking_store, golden):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    golden.check(
        result=resolve_outcome(golden, experiment_name="existing", parent_run_id=known.parent_run_id)
    )
