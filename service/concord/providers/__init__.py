"""Everything that talks to models, apart from the pipeline steps that decide what to ask."""
