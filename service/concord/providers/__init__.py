"""Everything that talks to models, apart from the pipeline steps that decide what to ask:

- ``profiles``: what Concord knows about each kind of OpenAI-compatible server, and model ids;
- ``connection``: a key, a base URL and one client per model (for ``local``, the embedded server);
- ``call``: one model call, its retries, and the translation of client errors into Concord's;
- ``readiness``: whether a connected model answers, cheaply;
- ``status``: each profile's key, URL and whether it answers, for ``concord providers``;
- ``embedded``: the model Concord assembles from PyPI and serves itself.
"""
