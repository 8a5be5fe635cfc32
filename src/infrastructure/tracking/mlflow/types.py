"""Value types shared by the run finder and the trackers (legacy-support §2).

``RunLookupReport`` says how (and whether) the finder located a run; ``RunHandle`` carries
the identity of a tracked run and refuses to exist without its three essential ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


@dataclass
class RunLookupReport:
    """Outcome of a run lookup: hit or miss, the winning strategy, the tried ones, the error."""

    found: bool
    run_id: Optional[str] = None
    strategy_used: Optional[str] = None
    strategies_attempted: Optional[List[str]] = None
    error: Optional[str] = None

    def __post_init__(self) -> None:
        if self.strategies_attempted is None:
            self.strategies_attempted = []


@dataclass
class RunHandle:
    """Identity of a tracked run: ids, run key, tracking URI and optional grouping hashes."""

    run_id: str
    run_key: str
    run_key_hash: str
    experiment_id: str
    experiment_name: str
    tracking_uri: str
    artifact_uri: Optional[str] = None
    study_key_hash: Optional[str] = None
    study_family_hash: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.run_id:
            raise ValueError("run_id is required")
        if not self.experiment_id:
            raise ValueError("experiment_id is required")
        if not self.tracking_uri:
            raise ValueError("tracking_uri is required")
