"""filters: the one place filter values are quoted (MLflow's grammar has no escapes)."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from infrastructure.tracking.mlflow.filters import quote_filter_value, tags_filter


@pytest.mark.parametrize("value", ["plain", "it's", 'say "hi"', "back\\slash", "", 7])
def test_quoted_filter_values_match_exactly(local_mlflow: str, value: object) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment("quoting")
    wanted = client.create_run(experiment_id, tags={"k": str(value)}).info.run_id
    client.create_run(experiment_id, tags={"k": "other"})
    runs = client.search_runs([experiment_id], f"tags.k = {quote_filter_value(value)}")
    assert [r.info.run_id for r in runs] == [wanted]


def test_value_with_both_quote_kinds_is_rejected_naming_the_value() -> None:
    with pytest.raises(ValueError) as excinfo:
        quote_filter_value('it\'s "x"')
    assert str(excinfo.value) == (
        "MLflow filter strings cannot express a value holding both ' and \": 'it\\'s \"x\"'"
    )


def test_tags_filter_joins_quoted_clauses_with_and() -> None:
    assert tags_filter({"a.b": "x", "c": "it's"}) == "tags.a.b = 'x' AND tags.c = \"it's\""


def test_tags_filter_of_no_tags_is_empty() -> None:
    assert tags_filter({}) == ""
