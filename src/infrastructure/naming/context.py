"""NamingContext: the identity of one tracked process (legacy-core §8.1).

Frozen dataclass; validated on construction. ``storage_env`` defaults to ``environment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

VALID_PROCESS_TYPES = frozenset(
    {"hpo", "hpo_refit", "benchmarking", "final_training", "conversion", "best_configurations"}
)
VALID_ENVIRONMENTS = frozenset({"local", "colab", "kaggle", "azure", "azureml"})


@dataclass(frozen=True)
class NamingContext:
    """Fields that name a run and build its run key."""

    process_type: str
    model: str
    environment: str
    stage: Optional[str] = None
    storage_env: Optional[str] = None
    study_name: Optional[str] = None
    spec_fp: Optional[str] = None
    exec_fp: Optional[str] = None
    variant: int = 1
    trial_id: Optional[str] = None
    trial_number: Optional[int] = None
    fold_idx: Optional[int] = None
    parent_training_id: Optional[str] = None
    conv_fp: Optional[str] = None
    study_key_hash: Optional[str] = None
    trial_key_hash: Optional[str] = None
    benchmark_config_hash: Optional[str] = None

    def __post_init__(self) -> None:
        if self.process_type not in VALID_PROCESS_TYPES:
            raise ValueError(f"Invalid process_type: {self.process_type}")
        if self.environment not in VALID_ENVIRONMENTS:
            raise ValueError(f"Invalid environment: {self.environment}")
        if self.variant < 1:
            raise ValueError(f"Variant must be >= 1, got {self.variant}")
        if self.process_type == "final_training" and not (self.spec_fp and self.exec_fp):
            raise ValueError("final_training requires spec_fp and exec_fp")
        if self.process_type == "conversion" and not (self.parent_training_id and self.conv_fp):
            raise ValueError("conversion requires parent_training_id and conv_fp")
        if self.process_type == "best_configurations" and not self.spec_fp:
            raise ValueError("best_configurations requires spec_fp")
        if self.storage_env is None:
            # Frozen dataclass: the default is filled in through object.__setattr__.
            object.__setattr__(self, "storage_env", self.environment)
