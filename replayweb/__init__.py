"""kliping replay web: saved pages served at their real URLs over HTTP, HTTPS (CONNECT
tunnels with a generated CA) and as a plain origin server, with fault injection."""

from .ca import CertificateAuthority
from .config import (
    ConfigError,
    Fault,
    FaultsError,
    ManifestEntry,
    ManifestError,
    filler,
    normalize_url,
    read_faults,
    read_manifest,
)
from .server import Entry, ReplayServer, ReplayWeb, RequestRecord

__all__ = [
    "CertificateAuthority",
    "ConfigError",
    "Entry",
    "Fault",
    "FaultsError",
    "ManifestEntry",
    "ManifestError",
    "ReplayServer",
    "ReplayWeb",
    "RequestRecord",
    "filler",
    "normalize_url",
    "read_faults",
    "read_manifest",
]
