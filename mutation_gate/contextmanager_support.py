"""Let mutmut 3 mutate ``@contextmanager`` generator functions.

mutmut 3 skips every decorated function, because its trampoline copies the function with its
decorators: the original and each mutant would become context managers, and the generator
trampoline would then ``yield from`` a context manager instead of a generator. For decorators
that only wrap a generator function (``contextlib.contextmanager``), the fix is small: keep the
decorator on the trampoline only, and let the original and the mutants stay plain generator
functions, which the trampoline already knows how to delegate to.

``install()`` patches two points of the pinned mutmut version (see constraints.txt); it must run
in the process that generates the mutants, before generation (mutmut forks its workers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import libcst as cst
from libcst.metadata import PositionProvider
from mutmut.mutation import file_mutation

#: Decorator spellings that turn a generator function into a context manager, and nothing else.
GENERATOR_WRAPPERS = frozenset({"contextmanager", "contextlib.contextmanager"})

_installed = False


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return ""


def wraps_a_generator(node: cst.CSTNode) -> bool:
    """True for a function whose decorators are all generator-to-context-manager wrappers."""
    return (
        isinstance(node, cst.FunctionDef)
        and bool(node.decorators)
        and all(_decorator_name(d) in GENERATOR_WRAPPERS for d in node.decorators)
    )


def _patched_skip(original: Callable[[Any, cst.CSTNode], bool]) -> Callable[[Any, cst.CSTNode], bool]:
    def skip_node_and_children(visitor: Any, node: cst.CSTNode) -> bool:
        if wraps_a_generator(node):
            # Mutate it, unless a ``# pragma: no mutate block`` excludes the whole function.
            position = visitor.get_metadata(PositionProvider, node, None)
            return bool(position and position.start.line in visitor._ignored_node_lines) and original(
                visitor, node
            )
        return original(visitor, node)

    return skip_node_and_children


def _patched_arrangement(original: Callable[..., Any]) -> Callable[..., Any]:
    def function_trampoline_arrangement(
        function: cst.FunctionDef, mutants: Iterable[Any], class_name: str | None
    ) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any], Sequence[str]]:
        if not wraps_a_generator(function):
            return original(function, mutants, class_name)  # type: ignore[no-any-return]
        plain = function.with_changes(decorators=[])
        declarations, nodes, assignments, names = original(plain, mutants, class_name)
        trampoline, *copies = nodes
        decorated = trampoline.with_changes(decorators=[*function.decorators, *trampoline.decorators])
        return declarations, [decorated, *copies], assignments, names

    return function_trampoline_arrangement


def install() -> None:
    """Patch mutmut (idempotent)."""
    global _installed
    if _installed:
        return
    visitor = file_mutation.MutationVisitor
    visitor._skip_node_and_children = _patched_skip(visitor._skip_node_and_children)  # type: ignore[method-assign,assignment]
    file_mutation.function_trampoline_arrangement = _patched_arrangement(
        file_mutation.function_trampoline_arrangement
    )
    _installed = True
