"""Confirmed actions: every change the procedure needs, as plan → confirm → apply → verify."""
