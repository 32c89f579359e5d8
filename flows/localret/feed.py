"""Atom feeds of releases (written in a later step)."""
