"""`plateledger roles show`: the roles, permissions and token scopes of accounts/roles.yaml."""

from __future__ import annotations

import typer

from plateledger.accounts.roles import RoleTable, role_table
from plateledger.cli.common import DEFAULT_DATA, DataOpt, friendly

app = typer.Typer(help="Roles and their permissions (data: accounts/roles.yaml).",
                  no_args_is_help=True)  # fmt: skip


def render(table: RoleTable) -> str:
    """Permissions down, roles and scopes across; `x` where granted."""
    roles = list(table.roles)
    scopes = list(table.scopes)
    width = max(len(p) for p in table.permissions)
    cols = [*roles, *(f"scope:{s}" for s in scopes)]
    lines = ["  ".join([f"{'permission':<{width}}", *cols])]
    for perm in table.permissions:
        marks = [("x" if perm in table.roles[r].permissions else ".").center(len(r))
                 for r in roles]  # fmt: skip
        marks += [("x" if perm in table.scopes[s].permissions else ".").center(len(s) + 6)
                  for s in scopes]  # fmt: skip
        lines.append("  ".join([f"{perm:<{width}}", *marks]).rstrip())
    lines.append("")
    lines += [f"{perm:<{width}}  {what}" for perm, what in table.permissions.items()]
    lines.append("")
    lines += [f"role {r.name}: {r.description}" for r in table.roles.values()]
    lines += [f"scope {s.name}: {s.description}" for s in table.scopes.values()]
    lines.append(
        f"every scoped token keeps (if the role has them): {', '.join(sorted(table.every_token))}"
    )
    lines.append(f"privilege, lowest first: {', '.join(table.privilege)}")
    lines += [f"{actor} manages (own agency): {', '.join(sorted(rule.roles))}; tokens in their "
              f"name only with scopes: {', '.join(sorted(rule.token_scopes)) or 'none'}"
              for actor, rule in table.manage.items()]  # fmt: skip
    return "\n".join(lines)


@app.command("show")
@friendly
def show(data: DataOpt = DEFAULT_DATA) -> None:
    """Print every permission, which roles hold it and which token scopes include it."""
    del data  # the table is packaged data, the same for every data directory
    print(render(role_table()))
