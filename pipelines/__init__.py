"""Item pipelines: stories in, article records out (extraction runs in worker processes)."""
