"""Golden scenarios: runs.create_child_run fault paths (legacy-core §1.1 steps 2, 3, 5-9; §9.1.8).

Real store calls are made to fail with ``store_faults`` to reach the guarded branches: the parent
read, the guarded create G and its reads, F2's create and per-tag writes, the F1 fluent run, and the
Azure-only re-read, verification read and tag repair. Matchers pick calls by what they are (see
_support_child_run), so the goldens hold on every backend.
"""

from __future__ import annotations

from typing import Any

from _support_child_run import (
    MISSING_RUN_ID,
    PARENT_TAG,
    arrange,
    client_read_of_new_run,
    read_of,
    run_child,
    tag_key_is,
)


# -- G fails -> F2 -------------------------------------------------------------------------------
def test_create_with_tags_failing_once_creates_without_tags_then_sets_each_tag(
    tracking_store, golden, store_faults
):
    known = arrange(tracking_store.client)
    store_faults.fail("create_run", calls=1)
    golden.check(result=run_child(golden, known.parent_id, "3", additional_tags={"extra": "x"}))


def test_f2_skips_a_failing_tag_write_and_sets_the_following_tags(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    store_faults.fail("create_run", calls=1)
    store_faults.fail("set_tag", calls=1, match=tag_key_is(PARENT_TAG))
    golden.check(result=run_child(golden, known.parent_id, "3", additional_tags={"extra": "x"}))


def test_f2_create_failing_too_raises_at_entry_and_creates_no_child(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    store_faults.fail("create_run", calls=[1, 2])
    golden.check(result=run_child(golden, known.parent_id, "3"))


# -- experiment id sources -----------------------------------------------------------------------
def test_parent_read_failing_falls_back_to_the_experiment_name(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    store_faults.fail("get_run", calls=1, match=read_of(known.parent_id))
    golden.check(result=run_child(golden, known.parent_id, "3", experiment_name="named"))


def test_parent_read_failing_without_experiment_name_falls_back_to_an_independent_run(
    tracking_store, golden, store_faults
):
    known = arrange(tracking_store.client)
    store_faults.fail("get_run", calls=1, match=read_of(known.parent_id))
    golden.check(result=run_child(golden, known.parent_id, "3"))


# -- F1 ------------------------------------------------------------------------------------------
def test_independent_run_start_failing_raises_at_entry(tracking_store, golden, store_faults):
    arrange(tracking_store.client)
    store_faults.fail("create_run", calls=1)
    golden.check(result=run_child(golden, MISSING_RUN_ID, "2"))


# -- Azure ---------------------------------------------------------------------------------------
def _azure_child_with_parent_reads_failing(
    tracking_store: Any, golden: Any, store_faults: Any, calls: Any
) -> Any:
    """Azure branch into experiment ``named``, the parent's ``get_run`` failing at ``calls``."""
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    store_faults.fail("get_run", calls=calls, match=read_of(known.parent_id))
    return run_child(golden, known.parent_id, "4", experiment_name="named")


def test_azure_parent_reread_moves_the_child_from_the_named_into_the_parent_experiment(
    tracking_store, golden, store_faults
):
    golden.check(result=_azure_child_with_parent_reads_failing(tracking_store, golden, store_faults, 1))


def test_azure_parent_reread_failing_too_keeps_the_named_experiment(tracking_store, golden, store_faults):
    golden.check(result=_azure_child_with_parent_reads_failing(tracking_store, golden, store_faults, [1, 2]))


def test_azure_parent_reread_failing_alone_is_swallowed(tracking_store, golden, store_faults):
    golden.check(result=_azure_child_with_parent_reads_failing(tracking_store, golden, store_faults, 2))


def test_azure_create_failing_once_sets_the_azure_tags_one_by_one(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    store_faults.fail("create_run", calls=1)
    golden.check(result=run_child(golden, known.parent_id, "4"))


def test_azure_verification_read_failing_keeps_the_single_child(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    store_faults.fail("get_run", calls=1, match=client_read_of_new_run(known))
    golden.check(result=run_child(golden, known.parent_id, "4"))


def test_azure_tag_repair_failing_keeps_the_single_child_with_the_caller_parent_tag(
    tracking_store, golden, store_faults
):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    store_faults.fail("set_tag", calls=1, match=tag_key_is(PARENT_TAG, known.parent_id))
    golden.check(
        result=run_child(golden, known.parent_id, "4", additional_tags={PARENT_TAG: "caller-parent"})
    )
