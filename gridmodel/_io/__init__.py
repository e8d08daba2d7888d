"""Input and output plumbing: TOML and JSON, output folders, package data, the version.

``__version__`` lives here, in the bottom layer, so that every layer (the report's
provenance, the command line) can read it without importing the root package; the build
reads it too (``pyproject.toml`` ``[tool.hatch.version]``).
"""

__version__ = "0.1.0"
