"""Fetching: downloader middlewares that shape what is requested and how."""
