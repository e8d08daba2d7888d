"""Resilience planning: interventions, their evaluation against common sampled nights,
and criticality ranking of assets (see ``docs/planning.md``)."""

from __future__ import annotations

from gridmodel.studies.planning.interventions import (
    KINDS,
    Intervention,
    InterventionError,
    Plan,
    Variant,
    build_variant,
    load_defaults,
    load_plan,
    validate_assets,
)

__all__ = ["KINDS", "Intervention", "InterventionError", "Plan", "Variant", "build_variant",
           "load_defaults", "load_plan", "validate_assets"]
