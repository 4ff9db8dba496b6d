"""Named, ordered schema migrations for the DuckDB store.

Each migration runs once, in order, inside a transaction, and is recorded in
``schema_migrations``. Never edit a released migration: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from plateledger.store import place_index

READ_COLUMNS_DDL = """
    read_id UBIGINT NOT NULL,
    network_key USMALLINT NOT NULL,
    camera_key UINTEGER NOT NULL,
    ts TIMESTAMP NOT NULL,
    plate VARCHAR NOT NULL,
    plate_raw VARCHAR,
    plate_state VARCHAR,
    state_conf UTINYINT,
    conf UTINYINT,
    candidates STRUCT(plate VARCHAR, conf UTINYINT)[],
    color VARCHAR,
    color_conf UTINYINT,
    vtype VARCHAR,
    vtype_conf UTINYINT,
    make VARCHAR,
    make_conf UTINYINT,
    crop_ref VARCHAR,
    engine VARCHAR,
    lat DOUBLE,
    lon DOUBLE
"""


def _registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE agencies (
            id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, state VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, retention_days INTEGER);
        CREATE TABLE networks (
            key USMALLINT PRIMARY KEY, id VARCHAR UNIQUE NOT NULL,
            agency_id VARCHAR NOT NULL, name VARCHAR NOT NULL);
        CREATE TABLE cameras (
            key UINTEGER PRIMARY KEY, id VARCHAR UNIQUE NOT NULL, network_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL, lat DOUBLE NOT NULL, lon DOUBLE NOT NULL, heading DOUBLE,
            mobile BOOLEAN NOT NULL, active BOOLEAN NOT NULL);
        CREATE TABLE users (
            id VARCHAR PRIMARY KEY, agency_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
            role VARCHAR NOT NULL);
        CREATE TABLE tokens (
            token_hash VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, label VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP, revoked BOOLEAN NOT NULL);
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        INSERT INTO meta VALUES ('next_read_id', '1');
        """
    )


def _reads(con: duckdb.DuckDBPyConnection) -> None:
    # reads: compacted runs, each run sorted by (plate, ts), runs appended in day order.
    # reads_hot: arrival order; moved into reads by compaction.
    con.execute(f"CREATE TABLE reads ({READ_COLUMNS_DDL})")
    con.execute(f"CREATE TABLE reads_hot ({READ_COLUMNS_DDL})")
    con.execute(
        "CREATE TABLE runs (day DATE NOT NULL, rows_ BIGINT NOT NULL, created_at TIMESTAMP)"
    )
    con.execute("CREATE TABLE plate_dict (plate VARCHAR NOT NULL)")


def _search_log(con: duckdb.DuckDBPyConnection) -> None:
    # Durable record of every search request, written before any read is touched.
    # The Merkle audit log (its own issue) supersedes this table's role as evidence.
    con.execute(
        """
        CREATE TABLE search_log (
            search_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL,
            agency_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, purpose VARCHAR NOT NULL,
            case_number VARCHAR NOT NULL, reason VARCHAR NOT NULL, on_behalf_of VARCHAR,
            query_json VARCHAR NOT NULL, decisions_json VARCHAR NOT NULL,
            result_count INTEGER)
        """
    )


def _sharing(con: duckdb.DuckDBPyConnection) -> None:
    # Sharing agreements (deny by default), declarations on file, agency search policies,
    # and searches held for a supervisor.
    con.execute(
        """
        CREATE TABLE sharing_agreements (
            id VARCHAR PRIMARY KEY, network_id VARCHAR NOT NULL, grantee_kind VARCHAR NOT NULL,
            grantee VARCHAR, radius_km DOUBLE, purposes VARCHAR[] NOT NULL,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP,
            revoked_at TIMESTAMP, note VARCHAR NOT NULL);
        CREATE TABLE declarations (
            id VARCHAR PRIMARY KEY, agency_id VARCHAR NOT NULL, state VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, signed_at TIMESTAMP NOT NULL, expires_at TIMESTAMP,
            document_ref VARCHAR NOT NULL);
        CREATE TABLE agency_policies (
            agency_id VARCHAR PRIMARY KEY, require_specific_reason BOOLEAN NOT NULL,
            prohibited_purposes VARCHAR[] NOT NULL);
        CREATE TABLE search_holds (
            search_id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, agency_id VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, request_json VARCHAR NOT NULL,
            held_networks VARCHAR[] NOT NULL, status VARCHAR NOT NULL, decided_by VARCHAR,
            decided_at TIMESTAMP, note VARCHAR);
        """
    )


def _retention(con: duckdb.DuckDBPyConnection) -> None:
    # Legal holds keep named reads past retention; purge receipts record every deletion.
    con.execute(
        """
        CREATE TABLE legal_holds (
            case_number VARCHAR NOT NULL, read_id UBIGINT NOT NULL, created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, note VARCHAR NOT NULL,
            PRIMARY KEY (case_number, read_id));
        CREATE TABLE purge_receipts (
            purged_at TIMESTAMP NOT NULL, day DATE NOT NULL, networks VARCHAR[] NOT NULL,
            count BIGINT NOT NULL, bytes_freed BIGINT NOT NULL, reason VARCHAR NOT NULL);
        """
    )


def _hotlists(con: duckdb.DuckDBPyConnection) -> None:
    # Hotlists with governance, their entries and subscriptions; hits (read x entry) with
    # verification and disposition; suppressed (entry, vehicle) pairs; webhooks; the change log.
    con.execute(
        """
        CREATE TABLE hotlists (
            id VARCHAR PRIMARY KEY, owner_agency VARCHAR NOT NULL, name VARCHAR NOT NULL,
            purpose VARCHAR NOT NULL, purpose_class VARCHAR NOT NULL, legal_basis VARCHAR NOT NULL,
            source VARCHAR NOT NULL, refresh_hours INTEGER, priority VARCHAR NOT NULL,
            strictness VARCHAR NOT NULL, share_with VARCHAR[] NOT NULL,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            refreshed_at TIMESTAMP NOT NULL, retired_at TIMESTAMP);
        CREATE TABLE hotlist_entries (
            id VARCHAR PRIMARY KEY, hotlist_id VARCHAR NOT NULL, plate VARCHAR NOT NULL,
            state VARCHAR, reason VARCHAR NOT NULL, case_number VARCHAR NOT NULL,
            entered_by VARCHAR NOT NULL, entered_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL, vehicle VARCHAR NOT NULL, expired_at TIMESTAMP,
            expired_by VARCHAR);
        CREATE TABLE hotlist_subscriptions (
            hotlist_id VARCHAR NOT NULL, agency_id VARCHAR NOT NULL, created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, PRIMARY KEY (hotlist_id, agency_id));
        CREATE TABLE hotlist_hits (
            id VARCHAR PRIMARY KEY, read_id UBIGINT NOT NULL, hotlist_id VARCHAR NOT NULL,
            entry_id VARCHAR NOT NULL, agency_id VARCHAR NOT NULL, camera_id VARCHAR NOT NULL,
            read_ts TIMESTAMP NOT NULL, read_plate VARCHAR NOT NULL, read_state VARCHAR,
            matched_plate VARCHAR NOT NULL, entry_state VARCHAR, state_mismatch BOOLEAN NOT NULL,
            score DOUBLE NOT NULL, match_kind VARCHAR NOT NULL, crop_ref VARCHAR,
            created_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, verified_by VARCHAR,
            verified_at TIMESTAMP, disposition VARCHAR, disposed_by VARCHAR,
            disposed_at TIMESTAMP, note VARCHAR);
        CREATE TABLE hotlist_suppressions (
            entry_id VARCHAR NOT NULL, plate VARCHAR NOT NULL, state VARCHAR NOT NULL,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, why VARCHAR NOT NULL,
            PRIMARY KEY (entry_id, plate, state));
        CREATE TABLE hotlist_events (
            event_at TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
            entity_type VARCHAR NOT NULL, entity_details VARCHAR NOT NULL,
            hotlist_id VARCHAR NOT NULL);
        CREATE TABLE webhooks (
            id VARCHAR PRIMARY KEY, agency_id VARCHAR NOT NULL, url VARCHAR NOT NULL,
            secret VARCHAR NOT NULL, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP);
        """
    )


def _accounts(con: duckdb.DuckDBPyConnection) -> None:
    # Passwords (argon2 hashes), consecutive failures, lockout and disabled accounts; token ids,
    # scopes (NULL: all of the user's permissions) and kinds (api, session).
    con.execute(
        """
        CREATE TABLE user_credentials (
            user_id VARCHAR PRIMARY KEY, password_hash VARCHAR, password_set_at TIMESTAMP,
            failed_count INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP,
            disabled BOOLEAN NOT NULL DEFAULT FALSE);
        ALTER TABLE tokens ADD COLUMN token_id VARCHAR;
        ALTER TABLE tokens ADD COLUMN scopes VARCHAR[];
        ALTER TABLE tokens ADD COLUMN kind VARCHAR DEFAULT 'api';
        UPDATE tokens SET token_id = substr(token_hash, 1, 16);
        """
    )


def _assist_requests(con: duckdb.DuckDBPyConnection) -> None:
    # Another agency's recorded request for help: what a search on its behalf needs
    # (sharing.assists). Never deleted: revoked ones keep revoked_at and revoked_by.
    con.execute(
        """
        CREATE TABLE assist_requests (
            id VARCHAR PRIMARY KEY, agency_id VARCHAR NOT NULL, behalf_agency VARCHAR NOT NULL,
            case_number VARCHAR NOT NULL, own_case_number VARCHAR,
            requested_by VARCHAR NOT NULL, requested_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP, revoked_by VARCHAR,
            note VARCHAR NOT NULL)
        """
    )


def _protected_activity(con: duckdb.DuckDBPyConnection) -> None:
    # The agency's protected-activity setting (policy/floor.py): 'deny' (the default floor) or
    # 'hold' (a supervisor reviews instead). Existing policies keep the default.
    con.execute("ALTER TABLE agency_policies ADD COLUMN protected_activity VARCHAR DEFAULT 'deny'")


def _crop_owners(con: duckdb.DuckDBPyConnection) -> None:
    # Which agencies stored each evidence crop (retention/crops.py): a crop is shown only
    # through a read whose owner stored it, never because a read names its hash. Existing
    # crops are credited to the agency of the first read (lowest read id) that names them.
    con.execute(
        """
        CREATE TABLE crop_owners (
            crop_ref VARCHAR NOT NULL, agency_id VARCHAR NOT NULL, stored_at TIMESTAMP NOT NULL,
            PRIMARY KEY (crop_ref, agency_id));
        INSERT INTO crop_owners
        SELECT crop_ref, agency_id, current_timestamp FROM (
            SELECT r.crop_ref, n.agency_id,
                   row_number() OVER (PARTITION BY r.crop_ref ORDER BY r.read_id) AS k
            FROM (SELECT read_id, network_key, crop_ref FROM reads
                  WHERE crop_ref LIKE 'sha256:%' UNION ALL
                  SELECT read_id, network_key, crop_ref FROM reads_hot
                  WHERE crop_ref LIKE 'sha256:%') r
            JOIN networks n ON n.key = r.network_key)
        WHERE k = 1;
        """
    )


def _owner_decisions(con: duckdb.DuckDBPyConnection) -> None:
    # Held searches are decided by whoever raised each hold (search/hold_parts.py): one part per
    # deciding agency (the owner for its law, sharing and policy; the searcher for its own
    # policy, state law and ceilings); an approval is used once (`used_at`). Existing holds
    # become one part of the searcher's agency with no rules, so an old approval resumes nothing.
    # Declarations take effect for an owner agency only once its admin accepts them; existing
    # ones start pending for every owner.
    con.execute(
        """
        CREATE TABLE hold_parts (
            search_id VARCHAR NOT NULL, agency_id VARCHAR NOT NULL, networks VARCHAR[] NOT NULL,
            rules VARCHAR[] NOT NULL, evidence_json VARCHAR NOT NULL, status VARCHAR NOT NULL,
            decided_by VARCHAR, decided_at TIMESTAMP, note VARCHAR,
            PRIMARY KEY (search_id, agency_id));
        INSERT INTO hold_parts SELECT search_id, agency_id, held_networks, [], '[]', status,
            decided_by, decided_at, note FROM search_holds;
        ALTER TABLE search_holds ADD COLUMN used_at TIMESTAMP;
        CREATE TABLE declaration_decisions (
            declaration_id VARCHAR NOT NULL, owner_agency VARCHAR NOT NULL,
            status VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL,
            note VARCHAR NOT NULL, PRIMARY KEY (declaration_id, owner_agency));
        ALTER TABLE declarations ADD COLUMN filed_by VARCHAR;
        ALTER TABLE declarations ADD COLUMN filed_at TIMESTAMP;
        """
    )


def _purged_alerts_holds_webhooks(con: duckdb.DuckDBPyConnection) -> None:
    # A purge redacts the alerts of the reads it deleted (their time becomes NULL); a legal hold
    # has an expiry (review) date, NULL for holds placed before; an agency admin may allow
    # webhooks to named private address ranges (CIDR).
    con.execute(
        """
        ALTER TABLE hotlist_hits ALTER COLUMN read_ts DROP NOT NULL;
        ALTER TABLE legal_holds ADD COLUMN expires_at TIMESTAMP;
        CREATE TABLE webhook_private_networks (
            agency_id VARCHAR PRIMARY KEY, networks VARCHAR[] NOT NULL,
            set_by VARCHAR NOT NULL, set_at TIMESTAMP NOT NULL);
        """
    )


def _legal_hold_requests(con: duckdb.DuckDBPyConnection) -> None:
    # An officer's request that the agency admin place a legal hold on reads picked from search
    # results (retention/hold_requests.py): pending until the admin places or declines it.
    con.execute(
        """
        CREATE TABLE legal_hold_requests (
            id VARCHAR PRIMARY KEY, agency_id VARCHAR NOT NULL, requested_by VARCHAR NOT NULL,
            requested_at TIMESTAMP NOT NULL, case_number VARCHAR NOT NULL,
            read_ids UBIGINT[] NOT NULL, note VARCHAR NOT NULL, search_id VARCHAR,
            status VARCHAR NOT NULL, decided_by VARCHAR, decided_at TIMESTAMP,
            decision_note VARCHAR, expires_at TIMESTAMP)
        """
    )


def _ingest_sources(con: duckdb.DuckDBPyConnection) -> None:
    # Events from cameras plateledger does not make (ingest/events.py): the (source, event id)
    # pairs already stored, written in the reads' own transaction so a resent event is dropped;
    # and the API tokens bound to one camera each (POST /api/v1/cameras/{camera_id}/events).
    con.execute(
        """
        CREATE TABLE ingest_seen (
            source VARCHAR NOT NULL, event_id VARCHAR NOT NULL, read_id UBIGINT,
            seen_at TIMESTAMP NOT NULL, PRIMARY KEY (source, event_id));
        CREATE TABLE camera_tokens (
            token_id VARCHAR PRIMARY KEY, camera_id VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL)
        """
    )


def _camera_days(con: duckdb.DuckDBPyConnection) -> None:
    # The camera projection (store/camera_days.py): the newest days of reads again, sorted by
    # (day, camera, ts). Filled by the next compaction (or bulk load), which copies those days.
    con.execute(f"CREATE TABLE reads_cam ({READ_COLUMNS_DDL})")


def _analysis_policy(con: duckdb.DuckDBPyConnection) -> None:
    # An agency admin's policy for its networks' analyses (search/analysis_policy.py): per kind,
    # the purposes allowed (NULL: the code defaults; empty: never) and whether the supervisor
    # hold is waived. No row: the defaults, held.
    con.execute(
        """
        CREATE TABLE analysis_policy (
            agency_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, purposes VARCHAR[],
            waive_supervisor_hold BOOLEAN NOT NULL, set_by VARCHAR NOT NULL,
            set_at TIMESTAMP NOT NULL, PRIMARY KEY (agency_id, kind))
        """
    )


def _place_index(con: duckdb.DuckDBPyConnection) -> None:
    # The place index (store/place_index.py): every read of the runs again, slim, ordered by
    # (hour, camera, ts), for the analyses. An existing store's runs are indexed here, once.
    place_index.fill(con)


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_registry", _registry),
    Migration("0002_reads", _reads),
    Migration("0003_search_log", _search_log),
    Migration("0004_sharing", _sharing),
    Migration("0005_retention", _retention),
    Migration("0006_hotlists", _hotlists),
    Migration("0007_accounts", _accounts),
    Migration("0008_assist_requests", _assist_requests),
    Migration("0009_agency_policy_protected_activity", _protected_activity),
    Migration("0010_crop_owners", _crop_owners),
    Migration("0011_owner_decisions", _owner_decisions),
    Migration("0014_purged_alerts_holds_webhooks", _purged_alerts_holds_webhooks),
    Migration("0015_legal_hold_requests", _legal_hold_requests),
    Migration("0016_ingest_sources", _ingest_sources),
    Migration("0017_camera_days", _camera_days),
    Migration("0018_analysis_policy", _analysis_policy),
    Migration("0019_place_index", _place_index),
)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations in order; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied: list[str] = []
    for migration in MIGRATIONS:
        if migration.name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            migration.apply(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, current_timestamp)", [migration.name]
            )
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        applied.append(migration.name)
    return applied
