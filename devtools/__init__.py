"""Tools for developers, not installed in production: the benchmark suite."""
