"""Watching a run: progress while it goes, a summary that reconciles when it ends."""
