#!/usr/bin/env bash
# A deliberate golden change, end to end, on a fresh clone (issue "Deliberate changes, reviewed").
#
#   bash docs/walkthrough/golden_change.sh [CLONE_DIR]
#
# Runs in a throwaway clone of this repository (default /tmp/golden-change-walkthrough), with the
# python on PATH (an environment with the project's dev extra, e.g. .nox/tests/bin); the clone's own
# sources are put first on PYTHONPATH so its harness and code under test are the ones used.
set -uo pipefail
here=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
clone=${1:-/tmp/golden-change-walkthrough}
rm -rf "$clone" && git clone -q "$here" "$clone" && cd "$clone" || exit 2
export PYTHONPATH="$clone/pytest-mlflow-golden/src:$clone/src"
unset CI
step() { printf '\n=== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; printf '[exit %s]\n' "$?"; }
git config user.email walkthrough@example.invalid; git config user.name walkthrough

step "1. change one tag value in the code under test, and commit it"
sed -i 's/mlflow.set_tag("code.refit_planned", "true")/mlflow.set_tag("code.refit_planned", "yes")/' \
    src/infrastructure/tracking/mlflow/trackers/sweep_tracker.py
run git diff --stat
run git commit -qam "sweep tracker: code.refit_planned is 'yes'"

step "2. verify reports the difference and writes pending files"
run python -m mlflow_golden verify -n 2 --no-details
run git status --short --ignored golden/

step "3. review shows the difference (skipped here, to accept it by name next)"
printf 's\ns\ns\n' | python -m mlflow_golden review -n2 2>&1 | head -60

step "4. accept it with a change id"
run python -m mlflow_golden accept -n2 'tests/golden/test_pipeline_end_to_end.py::*' \
    'tests/golden/test_trackers.py::test_sweep_final_metrics_link_the_best_child_trial' \
    --title "Sweep parent: code.refit_planned is 'yes'" --why "Walk-through: a deliberate tag value change."
run git add -A golden
run git commit -qm "GC-2: code.refit_planned is 'yes'"

step "5. the ledger and the manifest name the change; provenance passes"
run tail -12 golden/CHANGES.toml
run python -c "import json; m=json.load(open('golden/MANIFEST.json'))['files']; print({k: v for k, v in m.items() if v.get('change') == 'GC-2'})"
run python -m mlflow_golden gate
run python -m mlflow_golden provenance -n 2

step "6. the gate fails on a golden edited by hand"
sed -i 's/"yes"/"maybe"/' golden/golden/test_pipeline_end_to_end/test_pipeline_end_to_end.json
run python -m mlflow_golden gate
git checkout -q golden/

step "7. CI=1 pytest --golden-update exits non-zero and writes nothing"
run env CI=1 python -m pytest tests/golden/test_trackers.py -q --golden-update
run git status --short golden/
