"""Developer-only helpers (tests, benchmarks); nothing in the product imports this package."""
