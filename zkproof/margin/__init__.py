"""Stage ② of the pipeline: the margin engine (SPEC §3) and the integer risk table c, v, m."""
