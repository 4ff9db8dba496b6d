"""Registry tables (agencies, networks, cameras, users, tokens) on a DuckDB connection."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

import duckdb

from plateledger.domain.types import (
    Agency,
    AgencyId,
    AgencyKind,
    Camera,
    CameraId,
    Network,
    NetworkId,
    Role,
    User,
    UserId,
)
from plateledger.store.base import Token


def upsert_agencies(con: duckdb.DuckDBPyConnection, agencies: Iterable[Agency]) -> None:
    rows = [(a.id, a.name, a.state, a.kind, a.retention_days) for a in agencies]
    if rows:
        con.executemany("INSERT OR REPLACE INTO agencies VALUES (?, ?, ?, ?, ?)", rows)


def upsert_networks(con: duckdb.DuckDBPyConnection, networks: Iterable[Network]) -> None:
    existing = dict(con.execute("SELECT id, key FROM networks").fetchall())
    next_key = max(existing.values(), default=0) + 1
    rows = []
    for n in networks:
        key = existing.get(n.id)
        if key is None:
            key, next_key = next_key, next_key + 1
            existing[n.id] = key
        rows.append((key, n.id, n.agency_id, n.name))
    if rows:
        con.executemany(
            "INSERT INTO networks VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "agency_id = excluded.agency_id, name = excluded.name",
            rows,
        )


def upsert_cameras(con: duckdb.DuckDBPyConnection, cameras: Iterable[Camera]) -> None:
    existing = dict(con.execute("SELECT id, key FROM cameras").fetchall())
    next_key = max(existing.values(), default=0) + 1
    rows = []
    for c in cameras:
        key = existing.get(c.id)
        if key is None:
            key, next_key = next_key, next_key + 1
            existing[c.id] = key
        rows.append((key, c.id, c.network_id, c.name, c.lat, c.lon, c.heading, c.mobile, c.active))
    if rows:
        con.executemany(
            "INSERT INTO cameras VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET network_id = excluded.network_id, name = excluded.name, lat = excluded.lat, "
            "lon = excluded.lon, heading = excluded.heading, mobile = excluded.mobile, "
            "active = excluded.active",
            rows,
        )


def upsert_users(con: duckdb.DuckDBPyConnection, users: Iterable[User]) -> None:
    rows = [(u.id, u.agency_id, u.name, u.role) for u in users]
    if rows:
        con.executemany("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?)", rows)


def load_agencies(con: duckdb.DuckDBPyConnection) -> list[Agency]:
    rows = con.execute("SELECT id, name, state, kind, retention_days FROM agencies ORDER BY id")
    return [Agency(AgencyId(i), n, s, cast(AgencyKind, k), r) for i, n, s, k, r in rows.fetchall()]


def load_networks(con: duckdb.DuckDBPyConnection) -> list[tuple[int, Network]]:
    rows = con.execute("SELECT key, id, agency_id, name FROM networks ORDER BY key").fetchall()
    return [(k, Network(NetworkId(i), AgencyId(a), n)) for k, i, a, n in rows]


def load_cameras(con: duckdb.DuckDBPyConnection) -> list[tuple[int, Camera]]:
    rows = con.execute(
        "SELECT key, id, network_id, name, lat, lon, heading, mobile, active "
        "FROM cameras ORDER BY key"
    ).fetchall()
    return [
        (k, Camera(CameraId(i), NetworkId(n), name, lat, lon, h, mob, act))
        for k, i, n, name, lat, lon, h, mob, act in rows
    ]


def load_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    rows = con.execute("SELECT id, agency_id, name, role FROM users ORDER BY id").fetchall()
    return [User(UserId(i), AgencyId(a), n, cast(Role, r)) for i, a, n, r in rows]


def add_token(con: duckdb.DuckDBPyConnection, token: Token) -> None:
    """Store an unscoped API token (scopes and session tokens: ``store.accounts``)."""
    con.execute(
        "INSERT OR REPLACE INTO tokens (token_hash, user_id, label, created_at, expires_at, "
        "revoked, token_id, scopes, kind) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'api')",
        [
            token.token_hash,
            token.user_id,
            token.label,
            token.created_at,
            token.expires_at,
            token.revoked,
            token.token_hash[:16],
        ],
    )


def user_for_token_hash(
    con: duckdb.DuckDBPyConnection, token_hash: str, now: datetime
) -> User | None:
    row = con.execute(
        "SELECT u.id, u.agency_id, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = ? AND NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > ?) "
        "AND NOT EXISTS (SELECT 1 FROM user_credentials c WHERE c.user_id = u.id AND c.disabled)",
        [token_hash, now],
    ).fetchone()
    if row is None:
        return None
    return User(UserId(row[0]), AgencyId(row[1]), row[2], cast(Role, row[3]))
