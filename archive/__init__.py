"""The raw record: every request and response written to WARC files, and read back from them."""
