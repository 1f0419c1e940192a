"""Probes: what drconsole observes on the wire, from the data center's vantage, with timings and the
way each attempt failed — and no judgement. Checks, the actions' safety rules and verification, and
the dashboard's zone probes all observe through here.

* `net`: TCP and TLS connects, with failure kinds
* `http`: one HTTP(S) request, phase by phase
* `attribution`: which zone served a reply
* `dns`: A-record lookups through the data center's resolvers
* `bgp`: the BGP OPEN exchange (builder, parser, framing)
* `routes`: the kernel's route decisions
* `health`: a zone's health, the one definition
"""
