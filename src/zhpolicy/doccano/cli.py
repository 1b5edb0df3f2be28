"""`zhpolicy doccano ...` commands."""

from __future__ import annotations

import typer

doccano_app = typer.Typer(help="Annotate in Doccano: run a local server, push sentences, pull labels.",
                          no_args_is_help=True)
