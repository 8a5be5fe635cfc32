"""The HPO tracking workload, its raw-client replay, the servers it runs on and its report.

Used by ``benchmarks/tracking_workload.py`` (the benchmark: baseline vs current vs raw, sqlite
and postgres servers), by ``benchmarks/workload_calls.py`` (the pinned REST call counts) and by
``tests/perf`` (the CI test that checks them). Import as ``benchmarks.workload``.
"""
