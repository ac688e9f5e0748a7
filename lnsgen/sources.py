"""Which of lnsgen's source files a computation depends on, and a digest of them.

Caches of long runs (sweep points, training runs) are keyed on the configuration *and* on the
source of every lnsgen module the computation imports, transitively: edit the golden adder and
every cached result that used it is recomputed, while results that never imported it stay valid.
Modules are found through the import system, so this works the same for a source checkout, an
editable install and a wheel.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import pathlib

__all__ = ["module_closure", "module_file", "source_digest", "source_files"]

_ROOT_PACKAGE = "lnsgen"


@functools.cache
def module_file(name: str) -> pathlib.Path | None:
    """The source file of lnsgen module ``name`` (``lnsgen.hdl.adder``), or ``None`` for a
    module outside lnsgen or one that does not exist."""
    if name != _ROOT_PACKAGE and not name.startswith(_ROOT_PACKAGE + "."):
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return pathlib.Path(spec.origin)


def _defining_module(package: str, name: str) -> str:
    """The submodule of ``package`` that its ``__init__`` imports ``name`` from (or the
    package itself): ``from lnsgen.golden import mul`` depends on ``golden.arith`` only."""
    init = module_file(package)
    if init is None or init.name != "__init__.py":
        return package
    for node in ast.walk(ast.parse(init.read_text())):
        if (isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
                and any(alias.name == name for alias in node.names)):
            return f"{package}.{node.module}"
    return package


@functools.cache
def _imports(name: str) -> frozenset[str]:
    """lnsgen modules that module ``name`` imports (anywhere in its body)."""
    path = module_file(name)
    if path is None:
        return frozenset()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if module_file(sub) else _defining_module(base, alias.name))
    return frozenset(m for m in found if module_file(m) is not None)


def module_closure(roots) -> set[str]:
    """``roots`` and every lnsgen module they import, transitively."""
    seen, stack = set(), list(roots)
    while stack:
        name = stack.pop()
        if name in seen or module_file(name) is None:
            continue
        seen.add(name)
        stack += _imports(name)
    return seen


def _modules(roots, also) -> list[str]:
    return sorted(module_closure(roots) | {m for m in also if module_file(m) is not None})


def source_files(roots, also=()) -> list[pathlib.Path]:
    """The files of :func:`module_closure` of ``roots``, and of the modules ``also`` (without
    their imports: a catalogue that imports every unit must not tie each unit to all others)."""
    return sorted(module_file(m) for m in _modules(roots, also))


def source_digest(roots, also=()) -> str:
    """SHA-256 over the module names and contents of :func:`source_files`."""
    h = hashlib.sha256()
    for name in _modules(roots, also):
        h.update(name.encode() + b"\0" + module_file(name).read_bytes() + b"\0")
    return h.hexdigest()
