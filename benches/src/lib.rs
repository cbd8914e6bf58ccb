//! Benchmark support (filled by the benchmark issue).
