"""Reports of a run: PNG plots (:mod:`gridmodel.report.plots`)."""
