"""MLflow tracker for model conversion (e.g. checkpoint -> ONNX; stage ``conversion``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Optional

import mlflow

from infrastructure.naming.context import NamingContext
from infrastructure.naming.mlflow.tags import build_mlflow_tags
from infrastructure.tracking.mlflow.masked_logging import get_logger
from infrastructure.tracking.mlflow.trackers.base import (
    CONVERSION_RETRY,
    BaseTracker,
    log_artifact_with_retry,
    log_metrics_batched,
    stage_option,
    tracked_run,
    update_index_for_run,
)
from infrastructure.tracking.mlflow.utils import infer_config_dir_from_path

logger = get_logger(__name__)

STAGE = "conversion"
BYTES_PER_MB = 1024 * 1024
CONVERSION_LOG_ARTIFACT_DIR = "conversion_log.txt"


class MLflowConversionTracker(BaseTracker):
    """Conversion runs: source link tags, conversion params, size/success metrics, ONNX + log artifacts."""

    @contextmanager
    def start_conversion_run(
        self,
        run_name: str,
        conversion_type: str,
        source_training_run: Optional[str] = None,
        context: Optional[NamingContext] = None,
        output_dir: Optional[Path] = None,
        parent_run_id: Optional[str] = None,
        group_id: Optional[str] = None,
    ) -> Iterator[Optional[Any]]:
        """Start a conversion run; ``code.parent_run_id`` = ``parent_run_id`` or ``source_training_run``."""
        config_dir = infer_config_dir_from_path(output_dir)

        def tags() -> Dict[str, Any]:
            run_tags = build_mlflow_tags(
                context=context,
                output_dir=output_dir,
                parent_run_id=parent_run_id or source_training_run,
                group_id=group_id,
                config_dir=config_dir,
            )
            run_tags["conversion_type"] = conversion_type
            run_tags["mlflow.runType"] = "conversion"
            if source_training_run:
                run_tags["source_training_run"] = source_training_run
            return run_tags

        def setup(active_run: Any) -> None:
            update_index_for_run(context, active_run, output_dir)

        with tracked_run(run_name, STAGE, config_dir, setup, tags) as run:
            yield run

    def log_conversion_parameters(
        self,
        checkpoint_path: str,
        conversion_target: str,
        quantization: Optional[str] = None,
        opset_version: Optional[int] = None,
        backbone: Optional[str] = None,
    ) -> None:
        """Log conversion params (None values skipped) to the active run; errors only warn."""
        params = {
            "conversion_source": str(checkpoint_path),
            "conversion_target": conversion_target,
            "quantization": quantization,
            "onnx_opset_version": opset_version,
            "conversion_backbone": backbone,
        }
        try:
            mlflow.log_params({k: v for k, v in params.items() if v is not None})
        except Exception as exc:
            logger.warning("Could not log conversion parameters: %s", exc)

    def log_conversion_results(
        self,
        conversion_success: bool,
        onnx_model_path: Optional[Path] = None,
        original_checkpoint_size: Optional[float] = None,
        smoke_test_passed: Optional[bool] = None,
        conversion_log_path: Optional[Path] = None,
    ) -> None:
        """Log success/size/compression/smoke-test metrics and upload the ONNX file and conversion log.

        ``original_checkpoint_size`` is in MB; ``compression_ratio`` = original MB / ONNX MB. The
        ONNX file goes under a directory named after the file, the log under ``conversion_log.txt/``;
        3 upload attempts each. Errors only warn.
        """
        onnx = Path(onnx_model_path) if onnx_model_path is not None else None

        def pairs() -> Iterator[tuple[str, float]]:
            yield "conversion_success", 1.0 if conversion_success else 0.0
            if onnx is not None and onnx.is_file():
                size_mb = onnx.stat().st_size / BYTES_PER_MB
                yield "onnx_model_size_mb", size_mb
                if original_checkpoint_size and size_mb > 0:
                    yield "compression_ratio", float(original_checkpoint_size) / size_mb
            if smoke_test_passed is not None:
                yield "smoke_test_passed", 1.0 if smoke_test_passed else 0.0

        try:
            log_metrics_batched(pairs())
            if (
                onnx is not None
                and onnx.is_file()
                and stage_option(STAGE, "log_onnx_model", infer_config_dir_from_path(onnx))
            ):
                log_artifact_with_retry(onnx, onnx.name, None, CONVERSION_RETRY)
            log_file = Path(conversion_log_path) if conversion_log_path is not None else None
            if (
                log_file is not None
                and log_file.is_file()
                and stage_option(STAGE, "log_conversion_log", infer_config_dir_from_path(log_file))
            ):
                log_artifact_with_retry(log_file, CONVERSION_LOG_ARTIFACT_DIR, None, CONVERSION_RETRY)
        except Exception as exc:
            logger.warning("Could not log conversion results: %s", exc)
