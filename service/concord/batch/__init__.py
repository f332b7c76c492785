"""``concord batch``: a corpus in, one JSONL line per article out, resumable and lossless."""
