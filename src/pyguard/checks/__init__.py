"""Checks: pure functions from Facts to Hits. The rule files in rules/ say which is which."""
