"""The local lab: a small hybrid cloud built from real parts on this machine."""
