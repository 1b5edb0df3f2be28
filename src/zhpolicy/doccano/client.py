"""Connecting to Doccano with doccano-client, and turning its failures into one-line errors.

doccano-client (the `doccano` extra) is imported here, lazily, so the core
package runs without it. No message names the password or the username.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from zhpolicy.doccano.settings import Credentials
from zhpolicy.errors import ZhpolicyError

if TYPE_CHECKING:
    from doccano_client import DoccanoClient

PROJECT_TYPE = "IntentDetectionAndSlotFilling"
SERVE_HINT = "start one with `zhpolicy doccano serve`"


def _import_client() -> Any:
    try:
        import doccano_client
    except ImportError:
        raise ZhpolicyError("doccano-client is not installed: pip install 'zhpolicy[doccano]'") from None
    return doccano_client


@contextmanager
def talking_to(url: str, doing: str) -> Iterator[None]:
    """Map network and API failures during `doing` to a ZhpolicyError (one line, no credentials)."""
    import requests

    try:
        yield
    except requests.ConnectionError:
        raise ZhpolicyError(f"the Doccano server at {url} stopped answering while {doing} ({SERVE_HINT})") from None
    except requests.Timeout:
        raise ZhpolicyError(f"the Doccano server at {url} timed out while {doing}") from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ZhpolicyError(f"Doccano at {url} answered HTTP {status} while {doing}") from None
    except TimeoutError:
        raise ZhpolicyError(f"Doccano's task worker at {url} did not finish while {doing}") from None


def connect(creds: Credentials) -> DoccanoClient:
    """A logged-in client; clear errors for a server that is down and for a refused login."""
    import requests

    module = _import_client()
    client = module.DoccanoClient(creds.url)
    try:
        client.login(username=creds.username, password=creds.password)
    except requests.ConnectionError:
        raise ZhpolicyError(f"no Doccano server answers at {creds.url}: {SERVE_HINT}, "
                            "or set DOCCANO_URL") from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status in (400, 401, 403):
            raise ZhpolicyError(f"Doccano at {creds.url} refused the login: wrong username or password "
                                "(set DOCCANO_USERNAME and DOCCANO_PASSWORD)") from None
        raise ZhpolicyError(f"Doccano at {creds.url} answered HTTP {status} to the login") from None
    return client


def find_project(client: DoccanoClient, name: str) -> Any | None:
    for project in client.list_projects():
        if project.name == name:
            return project
    return None


def require_project(client: DoccanoClient, name: str, url: str) -> Any:
    project = find_project(client, name)
    if project is None:
        raise ZhpolicyError(f"no Doccano project named {name!r} at {url} (or this user is not a member); "
                            "`zhpolicy doccano push` creates it")
    if project.project_type != PROJECT_TYPE:
        raise ZhpolicyError(f"Doccano project {name!r} is a {project.project_type} project, "
                            f"not {PROJECT_TYPE}; choose another name with --project")
    return project


def list_all(client: DoccanoClient, resource: str, page: int = 1000) -> Iterator[dict]:
    """Every item of a paginated list. doccano-client pages by Doccano's default of 5 items,
    which takes a thousand requests for 5,000 examples; one request per `page` items here."""
    base = client._base_repository  # the logged-in session; the client has no page-size option
    offset = 0
    while True:
        data = base.get(resource, params={"limit": page, "offset": offset}).json()
        yield from data["results"]
        offset += len(data["results"])
        if not data.get("next") or not data["results"]:
            return
