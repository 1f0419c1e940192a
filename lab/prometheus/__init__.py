"""A real Prometheus (and promtool) for the lab: built from the Go module proxy, cached per version."""
