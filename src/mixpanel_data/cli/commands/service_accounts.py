"""`mp service-accounts ...`: the organization's service accounts and their project roles."""

from __future__ import annotations

from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(
    no_args_is_help=True,
    help="List, create and delete service accounts; add them to or remove them from projects.",
)

OrgOpt = Annotated[
    int,
    typer.Option("--org", envvar="MP_ORG_ID", help="The organization's id.", show_default=False),
]
AccountArg = Annotated[int, typer.Argument(help="The service account's id.", show_default=False)]
AccountsArg = Annotated[list[int], typer.Argument(help="Service account ids.", show_default=False)]
ProjectsOpt = Annotated[
    list[int],
    typer.Option("--project", "-p", help="A project id (repeat for several).", show_default=False),
]


@app.command("list")
def list_(
    org: Annotated[
        int | None,
        typer.Option(
            "--org", envvar="MP_ORG_ID", help="The organization (default: this project's accounts)."
        ),
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List the organization's service accounts (or, without --org, the project's)."""
    with _state.workspace() as ws:
        show(ws.list_service_accounts(org), fmt)


@app.command()
def get(account_id: AccountArg, org: OrgOpt, fmt: FormatOpt = Format.json) -> None:
    """Show one service account."""
    with _state.workspace() as ws:
        show(ws.get_service_account(org, account_id), fmt)


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="The account's name.")],
    org: OrgOpt,
    role: Annotated[
        str | None, typer.Option("--role", help="owner, admin, analyst or consumer.")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="When it stops working (ISO date-time).")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Create a service account; prints its secret once (store it now)."""
    with _state.workspace() as ws:
        show(ws.create_service_account(org, username, role=role, expires=expires), fmt)


@app.command()
def delete(
    account_id: AccountArg, org: OrgOpt, yes: YesOpt = False, fmt: FormatOpt = Format.json
) -> None:
    """Delete a service account (asks first; --yes to skip)."""
    confirm(f"Delete service account {account_id}", yes)
    with _state.workspace() as ws:
        ws.delete_service_account(org, account_id)
    done(fmt, deleted=account_id)


@app.command("add-to-project")
def add_to_project(
    account_ids: AccountsArg,
    org: OrgOpt,
    projects: ProjectsOpt,
    role: Annotated[str, typer.Option("--role", help="The role in each project.")] = "consumer",
    fmt: FormatOpt = Format.json,
) -> None:
    """Give service accounts a role in projects."""
    with _state.workspace() as ws:
        ws.add_service_accounts_to_projects(org, account_ids, dict.fromkeys(projects, role))
    done(fmt, added=account_ids, projects=projects, role=role)


@app.command("remove-from-project")
def remove_from_project(
    account_ids: AccountsArg,
    org: OrgOpt,
    projects: ProjectsOpt,
    yes: YesOpt = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """Take service accounts out of projects (asks first; --yes to skip)."""
    confirm(f"Remove {len(account_ids)} service account(s) from {len(projects)} project(s)", yes)
    with _state.workspace() as ws:
        ws.remove_service_accounts_from_projects(org, account_ids, projects)
    done(fmt, removed=account_ids, projects=projects)
