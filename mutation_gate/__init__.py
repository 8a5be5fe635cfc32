"""Mutation gate: what would the golden suite notice?

Runs mutmut on the modules listed in ``[tool.mutmut] only_mutate`` (pyproject.toml), with the
golden suite (``tests/golden``, file backend) as the test command, then holds the survivors
against the committed list of accepted, equivalent mutants (``accepted.toml``): any other
survivor fails the gate.
"""
