"""Golden scenarios that close mutation-testing gaps in runs.create_child_run (legacy-core §1.1).

The Azure branch re-reads the created child and writes the parent tag again only when it is
wrong (step 6c). With the tag already right there is no such write: a failing repair write
would otherwise divert into F2 and leave a second child run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from _support_child_run import PARENT_TAG, arrange, run_child, tag_key_is


def _outside_store_create_run(match: Callable[..., bool]) -> Callable[..., bool]:
    """``match``, for store calls not made by a store's own ``create_run``.

    The file store writes the tags given to ``create_run`` with its own ``set_tag``; sqlite and
    the REST store do not. Skipping those inner calls makes the rule count the same calls on
    every backend.
    """

    def outside(*args: Any, **kwargs: Any) -> bool:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == "create_run" and frame.f_globals.get("__name__", "").startswith(
                "mlflow.store"
            ):
                return False
            frame = frame.f_back
        return match(*args, **kwargs)

    return outside


def test_azure_child_with_a_correct_parent_tag_gets_no_repair_write(tracking_store, golden, store_faults):
    known = arrange(tracking_store.client)
    tracking_store.use_azureml()
    # A tripwire, meant never to fire: the correct code makes no repair write here (neither the
    # baseline nor the current code); only a mutant that writes anyway trips it, diverting into F2.
    store_faults.fail(
        "set_tag", calls=1, match=_outside_store_create_run(tag_key_is(PARENT_TAG)), must_fire=False
    )
    golden.check(result=run_child(golden, known.parent_id, "4"))
