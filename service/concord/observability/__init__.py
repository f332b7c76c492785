"""What an operator sees of a running Concord: metrics, traces, request ids and log lines."""
