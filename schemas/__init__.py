"""Pandera models: one per published table."""
