"""`drconsole watch`: the read-only checks of a profile's runbooks on a schedule, with Prometheus
metrics, alerts on transitions, and leader election between replicas. No Textual here."""
