// Why this crate exists: see tests/harness/workspace-hack.py.
