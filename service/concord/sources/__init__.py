"""Where an article's text comes from, before the pipeline sees it: a web page fetched under a
policy (``fetch``), a saved page's main text pulled out of its markup (``extract``), and the two
put together with a record of where the text came from (``page``).

The pipeline itself only ever takes plain text; everything here runs before it.
"""
