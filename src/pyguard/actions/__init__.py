"""Repairs as data: the actions rules declare, fix runs and people read as shell commands."""
