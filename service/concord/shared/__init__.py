"""What replicas and workers share through Redis: cache, one-call locks, in-flight slots."""
