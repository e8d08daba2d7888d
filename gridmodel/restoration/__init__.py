"""Restoration over time: crew-limited restarts of drained buildings."""
