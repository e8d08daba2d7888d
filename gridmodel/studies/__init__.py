"""Studies: one scenario, an outage snapshot, ensembles, plans and rankings."""
