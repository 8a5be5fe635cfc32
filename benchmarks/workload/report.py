"""Summary, table and chart of a benchmark run: per store, per variant, and the ratios."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Ratio name -> (numerator, denominator) variants.
RATIOS = {"current/raw": ("current", "raw"), "current/baseline": ("current", "baseline")}
COLORS = {"baseline": "#7f7f7f", "current": "#1f77b4", "raw": "#2ca02c"}


def summarize_store(results: Mapping[str, Sequence[dict[str, Any]]]) -> dict[str, Any]:
    """One store: per variant REST calls by endpoint, calls per child run, median wall time; ratios."""
    variants: dict[str, Any] = {}
    for variant, runs in results.items():
        first = runs[0]
        if any(run["rest_calls"] != first["rest_calls"] for run in runs):
            raise RuntimeError(f"{variant}: REST calls differ between repeats (not deterministic)")
        total = sum(first["rest_calls"].values())
        variants[variant] = {
            "rest_calls": dict(sorted(first["rest_calls"].items())),
            "store_calls": dict(sorted(first["store_calls"].items())),
            "rest_calls_total": total,
            "runs": first["runs"],
            "child_runs": first["child_runs"],
            "calls_per_child_run": total / first["child_runs"],
            "wall_s_median": statistics.median(run["wall_s"] for run in runs),
            "wall_s_all": [run["wall_s"] for run in runs],
            "code_from": first["code_from"],
        }
    ratios = {
        name: {
            "calls": variants[top]["rest_calls_total"] / variants[bottom]["rest_calls_total"],
            "wall": variants[top]["wall_s_median"] / variants[bottom]["wall_s_median"],
        }
        for name, (top, bottom) in RATIOS.items()
        if top in variants and bottom in variants
    }
    return {"variants": variants, "ratios": ratios}


def table(store: str, summary: Mapping[str, Any]) -> str:
    """One store's report: totals per variant, ratios, then calls by endpoint."""
    variants = summary["variants"]
    lines = [
        f"== mlflow server on {store}",
        f"{'variant':<10} {'runs':>5} {'children':>8} {'REST calls':>10} {'calls/child':>11}"
        f" {'wall s (median)':>15}",
    ]
    for name, data in variants.items():
        lines.append(
            f"{name:<10} {data['runs']:>5} {data['child_runs']:>8} {data['rest_calls_total']:>10}"
            f" {data['calls_per_child_run']:>11.2f} {data['wall_s_median']:>15.2f}"
        )
    lines.append("")
    for label, ratio in summary["ratios"].items():
        lines.append(f"{label}: calls x{ratio['calls']:.2f}, wall time x{ratio['wall']:.2f}")
    lines.append("")
    endpoints = sorted({endpoint for data in variants.values() for endpoint in data["rest_calls"]})
    lines.append(f"{'endpoint':<44}" + "".join(f" {name:>9}" for name in variants))
    for endpoint in endpoints:
        lines.append(
            f"{endpoint:<44}"
            + "".join(f" {data['rest_calls'].get(endpoint, 0):>9}" for data in variants.values())
        )
    return "\n".join(lines) + "\n"


def chart(stores: Mapping[str, Mapping[str, Any]], path: Path, title: str) -> None:
    """Two grouped bar charts (one group per store, one bar per variant): REST calls per child
    run, and median wall time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    store_names = list(stores)
    variant_names = list(next(iter(stores.values()))["variants"])
    width = 0.8 / len(variant_names)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, key, label, fmt in (
        (axes[0], "calls_per_child_run", "REST calls per child run", "{:.2f}"),
        (axes[1], "wall_s_median", "wall time, s (median)", "{:.1f}"),
    ):
        top = 0.0
        for offset, variant in enumerate(variant_names):
            values = [stores[store]["variants"][variant][key] for store in store_names]
            shift = (offset - (len(variant_names) - 1) / 2) * width
            positions = [group + shift for group in range(len(store_names))]
            bars = axis.bar(positions, values, width, label=variant, color=COLORS.get(variant))
            axis.bar_label(bars, labels=[fmt.format(value) for value in values], fontsize=8)
            top = max(top, *values)
        axis.set_xticks(range(len(store_names)), [f"server on {store}" for store in store_names])
        axis.set_title(label)
        axis.set_ylim(0, top * 1.2)
    axes[0].legend(loc="upper right", fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
