"""Jobs: summaries that outlive a request, run by ``concord worker`` processes on a SAQ queue."""
