"""Serving summaries to many callers: what the HTTP API, the job worker and batch all call.

``SummaryRunner`` runs one request through cache → coalescing → admission → limiter → model
pool → pipeline, inside its time budget. Nothing here knows about HTTP: errors are Concord's
own (``concord.errors``), which the API turns into problem documents.
"""
