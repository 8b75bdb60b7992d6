"""Demo data: a realistic pilot organisation, or a large one for benchmarks (``seed_demo``)."""
