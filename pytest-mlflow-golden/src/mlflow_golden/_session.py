"""What one pytest session of the harness knows: its options and its backend manager.

The options are read once at configure time; old spellings still work and warn. The backend
manager (sqlite template, mlflow server) is acquired on the first test that asks for a tracking
store, so a session that never uses the plugin's fixtures imports no MLflow and starts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pytest

from mlflow_golden._ci import CI_ENV, ci_value
from mlflow_golden._pytest_args import BACKEND_OPTION, TARGET_SRC_OPTION, UPDATE_MISSING_OPTION, UPDATE_OPTION
from mlflow_golden._scratch import PLUGIN as SCRATCH_PLUGIN

if TYPE_CHECKING:
    from mlflow_golden._backends import BackendManager

BACKENDS: Final = ("file", "sqlite", "server", "postgres")
DEFAULT_BACKEND: Final = "file"
VOLATILE_TAGS_INI: Final = "golden_volatile_tags"
VOLATILE_PATHS_INI: Final = "golden_volatile_paths"
GOLDEN_DIR_INI: Final = "golden_dir"
"""ini: the golden folder, relative to the rootdir (``--golden-dir`` overrides it)."""
DEFAULT_GOLDEN_DIR: Final = "golden"
SOURCE_ROOTS_INI: Final = "golden_source_roots"
"""ini: the project's own import roots, relative to the rootdir (default: pytest's ``pythonpath``)."""

SESSION_KEY = pytest.StashKey["GoldenSession"]()


class GoldenOptionDeprecated(FutureWarning):
    """A harness option was given by its old spelling; the message names the new one."""


def _dest(option_name: str) -> str:
    """pytest's attribute name for a long option: ``--golden-backend`` -> ``golden_backend``."""
    return option_name.removeprefix("--").replace("-", "_")


@dataclass(frozen=True)
class Alias:
    """An old option spelling that still works: ``old`` means ``new``."""

    old: str
    new: str

    @property
    def old_dest(self) -> str:
        return _dest(self.old)

    @property
    def new_dest(self) -> str:
        return _dest(self.new)


#: Every harness option shares the ``--golden-`` prefix; these are the spellings it replaced.
BACKEND_ALIAS: Final = Alias("--mlflow-backend", BACKEND_OPTION)
TARGET_SRC_ALIAS: Final = Alias("--target-src", TARGET_SRC_OPTION)


@dataclass(frozen=True)
class Settings:
    """The harness options of a session, resolved."""

    golden_dir: Path
    update: bool
    backend: str
    target_src: str | None = None
    volatile_tags: tuple[str, ...] = ()
    volatile_paths: tuple[str, ...] = ()
    update_missing: bool = False
    """``--golden-update-missing``: write missing golden files and budgets only."""
    ci: str | None = None
    """The value of ``CI`` when this is a CI run (``_ci.ci_value``): the plugin writes nothing."""

    @property
    def mode(self) -> str:
        """``update``, ``update-missing`` or ``compare`` (the report header's word)."""
        return "update" if self.update else "update-missing" if self.update_missing else "compare"

    @property
    def writes_pending(self) -> bool:
        """True when differing or missing files get pending files (never under CI)."""
        return self.ci is None


def _volatile_paths(config: pytest.Config) -> tuple[str, ...]:
    """The ini's volatile path patterns, syntax-checked (``UsageError`` names a bad one)."""
    from mlflow_golden import _volatile as volatile  # imports no MLflow

    patterns = tuple(str(pattern) for pattern in config.getini(VOLATILE_PATHS_INI))
    for pattern in patterns:
        try:
            volatile.parse(pattern)
        except volatile.VolatilePathError as exc:
            raise pytest.UsageError(f"{VOLATILE_PATHS_INI}: {exc}") from exc
    return patterns


def option(config: pytest.Config, alias: Alias) -> str | None:
    """The value of a renamed option: the new spelling, else the old one (with a warning)."""
    new = config.getoption(alias.new_dest)
    old = config.getoption(alias.old_dest)
    if old is None:
        return None if new is None else str(new)
    message = f"{alias.old} is deprecated; use {alias.new}"
    config.issue_config_time_warning(GoldenOptionDeprecated(message), stacklevel=2)
    if new is not None and new != old:
        raise pytest.UsageError(f"{alias.new}={new} and {alias.old}={old} disagree; give {alias.new} only")
    return str(old)


def _write_options(config: pytest.Config) -> tuple[bool, bool, str | None]:
    """``--golden-update``, ``--golden-update-missing`` and the CI value; ``UsageError`` when a write
    option is given in a CI run (unless the run records into a scratch folder: ``_scratch``) or both
    are given."""
    update = bool(config.getoption(_dest(UPDATE_OPTION)))
    update_missing = bool(config.getoption(_dest(UPDATE_MISSING_OPTION)))
    ci = ci_value()
    given = [name for name, on in ((UPDATE_OPTION, update), (UPDATE_MISSING_OPTION, update_missing)) if on]
    scratch = config.pluginmanager.has_plugin(SCRATCH_PLUGIN)  # provenance: writes a folder it deletes
    if ci is not None and given and not scratch:
        raise pytest.UsageError(
            f"{given[0]} writes golden files, and the environment variable {CI_ENV} is set "
            f"({CI_ENV}={ci!r}): a CI run only compares. Record goldens outside CI "
            f"(or unset {CI_ENV}, or set it to 0 or false)."
        )
    if len(given) == 2:
        raise pytest.UsageError(
            f"{UPDATE_OPTION} already writes missing files; give {UPDATE_OPTION} or {UPDATE_MISSING_OPTION}"
        )
    return update, update_missing, ci


def golden_dir_of(config: pytest.Config) -> Path:
    """The golden folder: ``--golden-dir``, else the ``golden_dir`` ini, else ``golden``; a relative
    path is relative to the rootdir (never to the current folder)."""
    value = config.getoption("golden_dir") or str(config.getini(GOLDEN_DIR_INI) or "") or DEFAULT_GOLDEN_DIR
    return (config.rootpath / Path(value).expanduser()).resolve()


def source_roots_of(config: pytest.Config) -> tuple[Path, ...]:
    """The project's own import roots (what ``--golden-target-src`` replaces): the
    ``golden_source_roots`` ini, else pytest's ``pythonpath`` ini, else ``<rootdir>/src``."""
    roots = [str(root) for root in config.getini(SOURCE_ROOTS_INI)]
    if roots:
        return tuple((config.rootpath / root).resolve() for root in roots)
    pythonpath = [Path(str(root)) for root in config.getini("pythonpath")]  # already rootdir-based
    if pythonpath:
        return tuple((config.rootpath / root).resolve() for root in pythonpath)
    return ((config.rootpath / "src").resolve(),)


def read_settings(config: pytest.Config) -> Settings:
    """Resolve the session's options (``UsageError`` on contradictions, or on writing under CI)."""
    update, update_missing, ci = _write_options(config)
    return Settings(
        golden_dir=golden_dir_of(config),
        update=update,
        update_missing=update_missing,
        ci=ci,
        backend=option(config, BACKEND_ALIAS) or DEFAULT_BACKEND,
        target_src=option(config, TARGET_SRC_ALIAS),
        volatile_tags=tuple(str(pattern) for pattern in config.getini(VOLATILE_TAGS_INI)),
        volatile_paths=_volatile_paths(config),
    )


@dataclass
class GoldenSession:
    """Per-session state: settings plus the lazily acquired backend manager."""

    settings: Settings
    xdist_worker: bool
    _manager: BackendManager | None = field(default=None, init=False)

    def manager(self) -> BackendManager:
        """The process's backend manager, acquired on first use (imports MLflow)."""
        if self._manager is None:
            from mlflow_golden import _backends as backends
            from mlflow_golden._telemetry import disable_telemetry

            disable_telemetry()
            self._manager = backends.acquire_manager(xdist_worker=self.xdist_worker)
        return self._manager

    def server_timing(self) -> str | None:
        """The manager's server start and reset figures, if this session started a server."""
        return None if self._manager is None else self._manager.server_timing()

    def close(self) -> None:
        """Release the manager if this session acquired it."""
        if self._manager is not None:
            from mlflow_golden import _backends as backends

            self._manager = None
            backends.release_manager()


def session_of(config: pytest.Config) -> GoldenSession:
    """The harness session of ``config`` (configured by the plugin)."""
    return config.stash[SESSION_KEY]


def backend_of(config: pytest.Config) -> str:
    """The backend the session's tracking stores use."""
    return session_of(config).settings.backend


__all__ = [
    "BACKENDS",
    "BACKEND_ALIAS",
    "DEFAULT_GOLDEN_DIR",
    "GOLDEN_DIR_INI",
    "SESSION_KEY",
    "SOURCE_ROOTS_INI",
    "TARGET_SRC_ALIAS",
    "GoldenOptionDeprecated",
    "GoldenSession",
    "Settings",
    "backend_of",
    "golden_dir_of",
    "read_settings",
    "session_of",
    "source_roots_of",
]
