"""End-to-end demo of the legacy MLflow tracking layer: one NER pipeline's runs, from HPO to conversion.

``run_pipeline`` drives the layer's public functions (see ``pipeline``); ``python -m pipeline_demo``
runs it into a persistent local store and prints the resulting run tree.
"""

from __future__ import annotations

from pipeline_demo.pipeline import PipelineError, run_pipeline

__all__ = ["PipelineError", "run_pipeline"]
