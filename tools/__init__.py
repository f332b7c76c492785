"""Project tools run from the checkout (``python -m tools.<name>``); not shipped in the wheel."""
