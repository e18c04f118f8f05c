"""The ``kliping`` command line."""
