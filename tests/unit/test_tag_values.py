"""tag_values: every tag value as str, MLflow's length limit checked before any store call."""

from __future__ import annotations

import re

import pytest
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH

from infrastructure.tracking.mlflow.tag_values import tag_values


def test_non_str_values_become_their_str():
    assert tag_values({"n": 3, "x": 0.5, "flag": True}) == {"n": "3", "x": "0.5", "flag": "True"}


def test_none_value_becomes_the_string_none_like_mlflow_set_tag():
    assert tag_values({"empty": None}) == {"empty": "None"}


def test_no_tags_give_an_empty_dict():
    assert tag_values(None) == {}


def test_the_callers_mapping_is_not_mutated():
    tags = {"n": 3}
    tag_values(tags)
    assert tags == {"n": 3}


def test_a_value_at_the_limit_is_kept_whole():
    assert tag_values({"long": "v" * MAX_TAG_VAL_LENGTH}) == {"long": "v" * MAX_TAG_VAL_LENGTH}


def test_a_value_over_the_limit_raises_naming_the_key_and_the_length():
    with pytest.raises(ValueError, match=rf"Tag 'long' has a value of {MAX_TAG_VAL_LENGTH + 1} characters"):
        tag_values({"ok": "v", "long": "v" * (MAX_TAG_VAL_LENGTH + 1)})


class _Wide:
    def __str__(self) -> str:
        return "w" * (MAX_TAG_VAL_LENGTH + 1)


def test_the_limit_is_checked_on_the_str_of_the_value():
    with pytest.raises(ValueError, match="'wide'"):
        tag_values({"wide": _Wide()})


@pytest.mark.parametrize("key", ["bad'key", "../up", "a*b"], ids=["quote", "dotdot", "asterisk"])
def test_a_key_mlflow_rejects_raises_naming_the_key(key):
    with pytest.raises(ValueError, match=re.escape(f"Tag key {key!r} is not valid in MLflow")):
        tag_values({"ok": "v", key: "v"})


def test_keys_mlflow_accepts_pass():
    tags = {"code.lineage.source": "x", "mlflow.runName": "r", "a-b_c/d e:f": "y"}
    assert tag_values(tags) == tags
