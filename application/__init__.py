"""The application layer: what users ask for, composed from the store, ingest and mining.

A week's review, a change's effect, the designed flow in force and whether it may be put on a
log, the settings a form saves. The CLI, the Python API and the dashboard all stand on it: the
CLI formats its results, the dashboard caches and draws them, and neither writes a rule again.
Functions take a store (a connection or its path) and a `Selection` and return plain results.
"""
