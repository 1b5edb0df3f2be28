"""Where the Doccano server lives and who logs in: read from the environment only.

Credentials are never written to files, logs or error messages; the defaults
are for a local, loopback-only server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DOCCANO_VERSION = "1.8.4"
# Doccano's own pins clash with doccano-client's (pydantic 2 vs <2), so the
# server gets a virtual environment of its own inside the checkout.
DOCCANO_HOME = Path(".doccano")
DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "zhpolicy-local"
PROJECT_NAME = "zhpolicy"


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    # repr=False: a traceback or a debug print never shows the password.
    password: str = field(repr=False)

    @property
    def port(self) -> int:
        return urlparse(self.url).port or 80


def credentials() -> Credentials:
    return Credentials(url=os.environ.get("DOCCANO_URL", DEFAULT_URL).rstrip("/"),
                       username=os.environ.get("DOCCANO_USERNAME", DEFAULT_USERNAME),
                       password=os.environ.get("DOCCANO_PASSWORD", DEFAULT_PASSWORD))
