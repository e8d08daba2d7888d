"""Where gridmodel's compiled kernels are cached, and the word said before they compile.

gridmodel's numerical kernels are compiled by numba on their first call (``cache=True``)
and cached on disk; a first run after installation spends tens of seconds on it. The
cache lives in a user cache folder (:func:`kernel_cache_dir`: ``NUMBA_CACHE_DIR`` when the
user sets it, else ``platformdirs.user_cache_dir("gridmodel")/kernels``), so that it works
for installs into read-only site-packages and is shared by every project of the user.
The commands that run the model say so before kernels compile (:func:`compile_note`).

References
----------
.. [1] numba documentation, "Cache": ``NUMBA_CACHE_DIR`` and the index files (``*.nbi``)
   of cached functions.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["compile_note", "kernel_cache_dir", "kernels_cached", "use_kernel_cache"]

#: numba's environment variable for its cache folder
CACHE_ENV = "NUMBA_CACHE_DIR"


def kernel_cache_dir() -> Path:
    """The folder numba caches gridmodel's kernels in (see the module docstring)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir("gridmodel")) / "kernels"


def use_kernel_cache() -> None:
    """Point numba's cache at :func:`kernel_cache_dir` unless the user chose a folder.

    Must run before numba is imported (it reads the variable once): ``gridmodel``'s
    package import calls it.
    """
    if not os.environ.get(CACHE_ENV):
        os.environ[CACHE_ENV] = str(kernel_cache_dir())


def kernels_cached(folder: Path | None = None) -> bool:
    """Whether the cache holds compiled gridmodel kernels (numba's ``*.nbi`` index files
    under a ``gridmodel`` source folder)."""
    root = kernel_cache_dir() if folder is None else Path(folder)
    if not root.is_dir():
        return False
    return any("gridmodel" in p.parts for p in root.rglob("*.nbi"))


def compile_note(folder: Path | None = None) -> str | None:
    """The line a model-running command prints before kernels compile, or None when they
    are cached already."""
    if kernels_cached(folder):
        return None
    where = kernel_cache_dir() if folder is None else Path(folder)
    return (f"compiling numerical kernels (first run only, about a minute; cached in "
            f"{where})")
