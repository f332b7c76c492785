"""Helpers the tests share. Tests import these modules, never ``conftest`` or each other."""
