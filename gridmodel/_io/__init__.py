"""Input and output plumbing: TOML and JSON, output folders, package data."""
