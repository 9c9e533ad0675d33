"""`mp auth list|add|update|remove|switch|show|test`: accounts in ~/.mp/config.toml (or
$MP_CONFIG_PATH).

Secrets never go on argv: `add` reads the secret from a hidden prompt, from `--secret-stdin`, or
from `MP_SECRET`; `show` and `list` only say whether each secret is set.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import Format, FormatOpt
from mixpanel_data.cli._output import emit, err

app = typer.Typer(no_args_is_help=True, help="Manage Mixpanel accounts (service accounts).")


def _read_secret(from_stdin: bool, env_name: str, prompt: str, required: bool) -> str | None:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise _state.fail("--secret-stdin was given but stdin had no secret")
        return value
    if os.environ.get(env_name):
        return os.environ[env_name]
    if not required:
        return None
    if not sys.stdin.isatty():
        raise _state.fail(
            f"no secret given: pipe it with --secret-stdin or set {env_name} "
            "(there is no terminal to prompt on)"
        )
    value = typer.prompt(prompt, hide_input=True)
    return str(value)


@app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List configured accounts (secrets are never shown)."""
    from mixpanel_data import auth

    accounts = auth.list_accounts()
    if not accounts and fmt is Format.table:
        err("No accounts yet. Add one with `mp auth add NAME`, or try `mp sandbox serve`.")
        return
    emit(accounts, fmt)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for the account, e.g. prod.")],
    username: Annotated[
        str | None, typer.Option("--username", "-u", help="Service account username.")
    ] = None,
    project_id: Annotated[str, typer.Option("--project", "-p", help="Mixpanel project id.")] = ...,  # type: ignore[assignment]
    region: Annotated[str, typer.Option("--region", "-r", help="us, eu or in.")] = "us",
    secret_stdin: Annotated[
        bool, typer.Option("--secret-stdin", help="Read the secret from the first line of stdin.")
    ] = False,
    api_secret: Annotated[
        bool,
        typer.Option(
            "--api-secret",
            help="Authenticate with the legacy project secret instead of a service account "
            "(read like the secret: prompt, --secret-stdin or MP_API_SECRET).",
        ),
    ] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Send every call to this server (sandbox).")
    ] = None,
    default: Annotated[bool, typer.Option("--default", "-d", help="Make it the default.")] = False,
) -> None:
    """Add an account. The secret comes from a hidden prompt, --secret-stdin or MP_SECRET."""
    from mixpanel_data import auth

    if region not in ("us", "eu", "in"):
        raise _state.fail(f"--region must be us, eu or in (got {region!r})")
    if api_secret:
        secret = _read_secret(secret_stdin, "MP_API_SECRET", "Project API secret", True)
        auth.add_account(
            name,
            username=None,
            secret=None,
            api_secret=secret,
            project_id=project_id,
            region=region,
            base_url=base_url,
            default=default,
        )
    else:
        if not username:
            raise _state.fail("--username is required for a service account (or use --api-secret)")
        secret = _read_secret(secret_stdin, "MP_SECRET", "Service account secret", True)
        auth.add_account(
            name,
            username=username,
            secret=secret,
            project_id=project_id,
            region=region,
            base_url=base_url,
            default=default,
        )
    if not _state.STATE.quiet:
        err(f"added account {name!r}")


@app.command("update")
def update(
    name: Annotated[str, typer.Argument(help="The account to change.")],
    username: Annotated[
        str | None, typer.Option("--username", "-u", help="New service account username.")
    ] = None,
    project_id: Annotated[
        str | None, typer.Option("--project", "-p", help="New Mixpanel project id.")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", "-r", help="us, eu or in.")] = None,
    secret: Annotated[
        bool,
        typer.Option(
            "--secret", help="Replace the secret: hidden prompt, or MP_SECRET when it is set."
        ),
    ] = False,
    secret_stdin: Annotated[
        bool,
        typer.Option("--secret-stdin", help="Replace the secret with the first line of stdin."),
    ] = False,
    api_secret: Annotated[
        bool,
        typer.Option(
            "--api-secret",
            help="Replace the legacy project secret instead (prompt, --secret-stdin or "
            "MP_API_SECRET).",
        ),
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Send every call to this server (sandbox); '' clears it."),
    ] = None,
) -> None:
    """Change an account's fields; the others stay. Secrets never go on the command line."""
    from mixpanel_data import auth

    if region is not None and region not in ("us", "eu", "in"):
        raise _state.fail(f"--region must be us, eu or in (got {region!r})")
    changes: dict[str, str | None] = {
        "username": username,
        "project_id": project_id,
        "region": region,
    }
    if api_secret:
        changes["api_secret"] = _read_secret(
            secret_stdin, "MP_API_SECRET", "Project API secret", True
        )
    elif secret or secret_stdin:
        changes["secret"] = _read_secret(secret_stdin, "MP_SECRET", "Service account secret", True)
    clear_base_url = base_url == ""
    if base_url:
        changes["base_url"] = base_url
    if not any(v is not None for v in changes.values()) and not clear_base_url:
        raise _state.fail(
            "nothing to change: give --username, --project, --region, --secret, --secret-stdin, "
            "--api-secret or --base-url"
        )
    auth.update_account(
        name,
        username=changes["username"],
        project_id=changes["project_id"],
        region=changes["region"],
        secret=changes.get("secret"),
        api_secret=changes.get("api_secret"),
        base_url=changes.get("base_url"),
        clear=("base_url",) if clear_base_url else (),
    )
    if not _state.STATE.quiet:
        err(f"updated account {name!r}")


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The account to remove.")],
    force: Annotated[bool, typer.Option("--force", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an account."""
    from mixpanel_data import auth

    if not force and sys.stdin.isatty() and not typer.confirm(f"Remove account {name!r}?"):
        raise typer.Exit(_state.EXIT_ERROR)
    new_default = auth.remove_account(name)
    if not _state.STATE.quiet:
        err(f"removed account {name!r}")
        if new_default:
            err(f"{new_default!r} is now the default account")


@app.command("switch")
def switch(name: Annotated[str, typer.Argument(help="The account to make the default.")]) -> None:
    """Make an account the default."""
    from mixpanel_data import auth

    auth.set_default(name)
    if not _state.STATE.quiet:
        err(f"{name!r} is now the default account")


@app.command("show")
def show(
    name: Annotated[
        str | None, typer.Argument(help="The account (default: the default account).")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Show an account; secrets are masked."""
    from mixpanel_data import auth

    if name is None:
        default = next((a for a in auth.list_accounts() if a.is_default), None)
        if default is None:
            raise _state.fail("no default account; name one or add one with `mp auth add`", 4)
        name = default.name
    emit(auth.get_account(name), fmt)


@app.command("test")
def test(
    name: Annotated[
        str | None, typer.Argument(help="The account (default: the default account).")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Check an account's credentials with one real call."""
    from mixpanel_data import auth

    result = auth.test_account(name)
    emit(result, fmt)
    if not result.success:
        raise _state.fail(str(result.error), result.exit_code)
