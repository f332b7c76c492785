"""Explicit test fakes: synthetic provider responses live here and only here.

Import from the modules themselves (``tests.fakes.openai_server``, ``tests.fakes.fixtures``);
this package re-exports nothing so that ``python -m tests.fakes.openai_server`` runs cleanly.
"""
