"""Where lnsgen writes: ``build/`` under the current working directory, never the package.

``LNSGEN_BUILD`` overrides the folder (a relative value is taken from the working directory).
The commands' ``-o/--out`` options override it per run. Functions, not constants, so that a
program that changes directory (or a test that sets the variable) gets the folder of the moment.
"""

from __future__ import annotations

import os
import pathlib

__all__ = ["build_dir", "reports_dir"]


def build_dir() -> pathlib.Path:
    """The build folder: ``$LNSGEN_BUILD`` or ``./build``, as an absolute path."""
    return pathlib.Path(os.environ.get("LNSGEN_BUILD") or "build").resolve()


def reports_dir() -> pathlib.Path:
    """``build_dir() / "reports"``: the JSON/Markdown/HTML results the report reads."""
    return build_dir() / "reports"
