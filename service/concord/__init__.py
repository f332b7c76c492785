"""Concord: evidence-grounded structured summaries of news articles."""
