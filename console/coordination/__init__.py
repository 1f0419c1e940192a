"""Coordination between consoles through the Fleet: Lease locks, a shared record, identity, RBAC.

Nothing here imports Textual; the TUI and the CLI only render what these modules answer."""
