"""Question sets run through the assistant and a baseline: runner, metrics, reports, PIAF."""
