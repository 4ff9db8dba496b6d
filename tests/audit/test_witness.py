"""An independent witness against real logs and a real server: it cosigns only consistent
extensions of what it saw, detects a rollback (a server restored to an older state) and a split
view (a second history under the same key), keeps its history, and the server serves what it
cosigned. Real AuditLogs, real Platforms on real uvicorn servers; nothing mocked."""

from __future__ import annotations

import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn
from typer.testing import CliRunner

from conftest import free_port
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.bundle import export_bundle
from plateledger.audit.checkpoint import Checkpoint, Signer, Verifier, open_note
from plateledger.audit.cosignature import CosignerKey, verify_witnessed
from plateledger.audit.events import AuditEvent
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import EMPTY_ROOT
from plateledger.audit.witness import Witness, WitnessError
from plateledger.cli.main import app
from plateledger.errors import ConflictError

ORIGIN = "test/origin"


def _grow(target: AuditLog | Platform, n: int, tag: str = "x") -> None:
    for i in range(n):
        subject = {"action": f"{tag}-{i}"}
        if isinstance(target, Platform):
            target.log_event("config_change", None, subject)
        else:
            target.append(AuditEvent(datetime.now(UTC), "test", "config_change", "op", "ag",
                                     "success", subject))  # fmt: skip


def _twin(log: AuditLog, path: Path) -> AuditLog:
    """Another log under the same origin and signing key: a second history (split view)."""
    path.mkdir(parents=True)
    shutil.copy(log.directory / "signing.key", path / "signing.key")
    return AuditLog(path, log.origin, background=False)


# --- the witness on its own, against real logs ----------------------------------------------
@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return Witness.init(tmp_path / "w", "board.example/w1")


def _step(witness: Witness, log: AuditLog, key: Verifier | None = None) -> int:
    done = witness.witness(log.checkpoint(), consistency=log.consistency, log_key=key)
    return done.checkpoint.size


def test_cosigns_consistent_growth_and_keeps_history(witness: Witness, log: AuditLog) -> None:
    key = log.signer.verifier()
    _grow(log, 3)
    assert _step(witness, log, key) == 3
    _grow(log, 5)
    assert _step(witness, log) == 8  # pinned key from state now
    assert _step(witness, log) == 8  # same checkpoint again: a fresher statement
    rows = witness.history()
    assert [r["size"] for r in rows] == [3, 8, 8]
    assert all(r["origin"] == ORIGIN and str(r["cosignature"]).startswith("\u2014 ") for r in rows)
    state = witness.state(ORIGIN)
    assert state is not None and state.size == 8 and state.log_key == key.vkey()
    for name in ("witness.key", "history.jsonl"):
        assert stat.S_IMODE((witness.state_dir / name).stat().st_mode) == 0o600


def test_rollback_refused_and_kept_as_evidence(
    witness: Witness, log: AuditLog, tmp_path: Path
) -> None:
    twin = _twin(log, tmp_path / "twin")
    _grow(twin, 2)
    _grow(log, 6)
    assert _step(witness, log, log.signer.verifier()) == 6
    with pytest.raises(WitnessError, match="rollback") as info:
        _step(witness, twin)
    assert "size 2" in info.value.message and "size 6" in info.value.message
    evidence = (witness.state_dir / "evidence.jsonl").read_bytes().splitlines()
    assert orjson.loads(evidence[-1])["note"] == twin.checkpoint()
    assert witness.state(ORIGIN).size == 6  # type: ignore[union-attr]
    assert len(witness.history()) == 1
    twin.close()


def test_split_view_same_size_refused(witness: Witness, log: AuditLog, tmp_path: Path) -> None:
    twin = _twin(log, tmp_path / "twin")
    _grow(log, 4, "a")
    _grow(twin, 4, "b")
    _step(witness, log, log.signer.verifier())
    with pytest.raises(WitnessError, match="fork") as info:
        _step(witness, twin)
    assert "split view" in info.value.message
    twin.close()


def test_split_view_larger_history_refused(witness: Witness, log: AuditLog, tmp_path: Path) -> None:
    twin = _twin(log, tmp_path / "twin")
    _grow(log, 4, "a")
    _grow(twin, 9, "b")
    _step(witness, log, log.signer.verifier())
    with pytest.raises(WitnessError, match="inconsistent"):
        _step(witness, twin)
    _grow(log, 5, "a")
    assert _step(witness, log) == 9  # the real history still grows fine
    twin.close()


def _answer(proof: list[bytes]) -> Callable[[int, int], list[bytes]]:
    return lambda first, second: proof


def test_a_lying_consistency_proof_is_refused(witness: Witness, log: AuditLog) -> None:
    _grow(log, 3)
    _step(witness, log, log.signer.verifier())
    _grow(log, 3)
    for proof in ([], [b"\0" * 32] * 3, [bytes(32)]):
        with pytest.raises(WitnessError, match="inconsistent"):
            witness.witness(log.checkpoint(), consistency=_answer(proof))
    assert witness.state(ORIGIN).size == 3  # type: ignore[union-attr]


def test_keys_pinned(witness: Witness, log: AuditLog) -> None:
    _grow(log, 1)
    with pytest.raises(WitnessError, match="first contact"):
        _step(witness, log)
    forger = Signer.generate(ORIGIN)
    with pytest.raises(WitnessError, match="bad_signature"):
        _step(witness, log, forger.verifier())  # the note is not signed by the key given
    _step(witness, log, log.signer.verifier())
    with pytest.raises(WitnessError, match="key_changed"):
        _step(witness, log, forger.verifier())
    real = open_note(log.checkpoint(), log.signer.verifier())
    forged = forger.sign(Checkpoint(ORIGIN, real.size, bytes(32)))  # a re-signed history
    with pytest.raises(WitnessError, match="re-signed"):
        witness.witness(forged, consistency=log.consistency)
    assert len(witness.history()) == 1


def test_origin_must_be_the_log_key_name(tmp_path: Path) -> None:
    """A log key vouches for its own origin only: a note for origin A signed by key B is not
    a checkpoint of A (else one key could run many "logs" past the same witness)."""
    witness = Witness.init(tmp_path / "w", "board.example/w1")
    other = Signer.generate("someone/else")
    note = other.sign(Checkpoint(ORIGIN, 0, EMPTY_ROOT))
    with pytest.raises(WitnessError, match="origin"):
        witness.witness(note, consistency=lambda a, b: [], log_key=other.verifier())
    bad_empty = Signer.generate(ORIGIN)
    note = bad_empty.sign(Checkpoint(ORIGIN, 0, bytes(32)))
    with pytest.raises(WitnessError, match="empty root"):
        witness.witness(note, consistency=lambda a, b: [], log_key=bad_empty.verifier())


def test_init_refuses_to_replace_a_key(witness: Witness) -> None:
    with pytest.raises(ConflictError):
        Witness.init(witness.state_dir, "board.example/w1")
    with pytest.raises(WitnessError, match="not_initialised"):
        Witness(witness.state_dir / "nowhere")


# --- a real server --------------------------------------------------------------------------
@contextmanager
def serving(platform: Platform) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(platform, background=False), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _run(state: Path, url: str, *extra: str) -> tuple[int, str]:
    return _cli("audit", "witness", "run", "--state", str(state), "--server", url, *extra)


def test_witness_against_a_server_twice_then_served(live: str, platform: Platform,
                                                    tmp_path: Path) -> None:  # fmt: skip
    state, data = tmp_path / "witness", platform.data_dir
    code, vkey = _cli("audit", "witness", "init", "--state", str(state), "--name", "board/w1")
    assert code == 0, vkey
    (tmp_path / "w.vkey").write_text(vkey)
    assert _cli("audit", "witnesses", "add", str(tmp_path / "w.vkey"), "--data", str(data))[0] == 0
    assert vkey.strip() in _cli("audit", "witnesses", "list", "--data", str(data))[1]
    log_key = tmp_path / "log.key"
    log_key.write_text(httpx.get(f"{live}/api/v1/audit/public-key").text)

    _grow(platform, 3)
    code, out = _run(state, live, "--log-key", str(log_key))
    assert code == 0, out
    first = platform.audit.size
    assert f"size {first} (first contact)" in out
    _grow(platform, 4)
    code, out = _run(state, live)
    assert code == 0, out
    assert f"size {platform.audit.size} (previous {first})" in out

    note = httpx.get(f"{live}/api/v1/audit/checkpoint/cosigned").text
    checkpoint, when = verify_witnessed(note, log_key.read_text(), vkey.strip())
    assert checkpoint.size == platform.audit.size and abs(when - time.time()) < 60
    older = httpx.get(f"{live}/api/v1/audit/checkpoints/{first}").text
    assert verify_witnessed(older, log_key.read_text(), vkey.strip())[0].size == first
    assert platform.cosignatures.cosignatures_for(first) == [older.splitlines()[-1]]
    # the documented online check still works with cosigned checkpoints around
    (tmp_path / "cp.txt").write_text(note)
    _grow(platform, 2)
    code, out = _cli("audit", "verify", "--against", live, "--since", str(tmp_path / "cp.txt"),
                     "--key", str(log_key))  # fmt: skip
    assert code == 0, out
    # removing the witness withdraws what it cosigned
    assert _cli("audit", "witnesses", "remove", "board/w1", "--data", str(data))[0] == 0
    assert httpx.get(f"{live}/api/v1/audit/checkpoint/cosigned").status_code == 404


def test_server_restored_to_an_older_state_is_caught(tmp_path: Path) -> None:
    """The operator restores an older copy of the data directory (same key, fewer entries):
    the witness refuses on its next run and names both sizes; then a second history of the
    same size (a split view) is refused too."""
    live_dir, old_dir, state = tmp_path / "data", tmp_path / "older", tmp_path / "witness"
    platform = Platform(live_dir)
    _grow(platform, 3, "before")
    platform.close()
    shutil.copytree(live_dir, old_dir)  # the backup the operator will restore
    platform = Platform(live_dir)
    _grow(platform, 5, "after")
    key = tmp_path / "log.key"
    key.write_text(platform.audit.public_key())
    _cli("audit", "witness", "init", "--state", str(state), "--name", "board/w1")
    platform.cosignatures.add_witness(Witness(state).signer.vkey())
    with serving(platform) as url:
        code, out = _run(state, url, "--log-key", str(key))
    assert code == 0, out
    size = platform.audit.size
    platform.close()

    restored = Platform(old_dir)
    try:
        older = restored.audit.checkpoint()
        with serving(restored) as url:
            code, out = _run(state, url)
            assert code == 1 and "rollback" in out, out
            assert f"size {restored.audit.size}," in out and f"size {size} " in out
            while restored.audit.size < size:  # the restored server grows a second history
                _grow(restored, 1, "other")
            code, out = _run(state, url)
            assert code == 1 and ("fork" in out or "inconsistent" in out), out
    finally:
        restored.close()
    assert [r["size"] for r in Witness(state).history()] == [size]
    evidence = (state / "evidence.jsonl").read_bytes().splitlines()
    assert orjson.loads(evidence[0])["note"] == older


def test_run_failures_are_one_line(tmp_path: Path) -> None:
    state = tmp_path / "witness"
    code, out = _run(state, "http://127.0.0.1:9")
    assert code == 1 and "not_initialised" in out and "Traceback" not in out
    _cli("audit", "witness", "init", "--state", str(state), "--name", "board/w1")
    code, out = _run(state, f"http://127.0.0.1:{free_port()}")
    assert code == 1 and "unreachable" in out and len(out.strip().splitlines()) == 1
    code, out = _run(state, "ftp://example")
    assert code == 1 and "not an http(s) URL" in out
    assert CosignerKey.from_vkey(_cli("audit", "witness", "key", "--state", str(state))[1])


def test_a_bundle_carries_the_witness_cosignatures_and_verify_requires_them(
    live: str, platform: Platform, tmp_path: Path
) -> None:
    """The whole loop over HTTP: a witness cosigns the running server's log, the export carries
    the cosignatures, `audit verify --witness` accepts it and names what was witnessed; another
    witness's key, or the cosignature stripped, fails."""
    state = tmp_path / "witness"
    code, vkey = _cli("audit", "witness", "init", "--state", str(state), "--name", "board/w1")
    assert code == 0, vkey
    wkey = tmp_path / "w.vkey"
    wkey.write_text(vkey)
    platform.cosignatures.add_witness(vkey.strip())
    log_key = tmp_path / "log.key"
    log_key.write_text(httpx.get(f"{live}/api/v1/audit/public-key").text)
    _grow(platform, 5)
    assert _run(state, live, "--log-key", str(log_key))[0] == 0
    witnessed = platform.audit.size
    _grow(platform, 2)  # appended after the witness's last run
    bundle = tmp_path / "bundle"
    export_bundle(platform.audit, bundle, "public",
                  cosignatures=platform.cosignatures.cosignatures_for)  # fmt: skip
    code, out = _cli("audit", "verify", str(bundle), "--key", str(log_key), "--witness", str(wkey))
    assert code == 0, out
    assert f"cosigned this history up to size {witnessed}" in out and "not yet witnessed" in out
    other = tmp_path / "other.vkey"
    other.write_text(Witness.init(tmp_path / "w2", "board/w2").signer.vkey() + "\n")
    code, out = _cli("audit", "verify", str(bundle), "--witness", str(other))
    assert code == 1 and "cosigned no checkpoint" in out
    notes = orjson.loads((bundle / "checkpoints.json").read_bytes())
    stripped = [n for n in notes if "board/w1" not in n] + [
        n.rsplit("\u2014 board/w1", 1)[0] for n in notes if "board/w1" in n
    ]
    (bundle / "checkpoints.json").write_bytes(orjson.dumps(sorted(stripped, key=_size)))
    code, out = _cli("audit", "verify", str(bundle), "--witness", str(wkey))
    assert code == 1 and "cosigned no checkpoint" in out


def _size(note: str) -> int:
    return int(note.split("\n")[1])


def test_the_witness_follows_a_key_rotation_the_pinned_key_endorsed(
    live: str, platform: Platform, tmp_path: Path
) -> None:
    state = tmp_path / "witness"
    code, vkey = _cli("audit", "witness", "init", "--state", str(state), "--name", "board/w1")
    assert code == 0, vkey
    platform.cosignatures.add_witness(vkey.strip())
    log_key = tmp_path / "log.key"
    log_key.write_text(httpx.get(f"{live}/api/v1/audit/public-key").text)
    _grow(platform, 3)
    assert _run(state, live, "--log-key", str(log_key))[0] == 0
    rotation = platform.audit.rotate_key(component="api")
    _grow(platform, 2)
    code, out = _run(state, live)
    assert code == 0, out
    pinned = Witness(state).state(platform.audit.origin)
    assert pinned is not None and pinned.log_key == rotation.new.vkey()
    # a key the pinned key never endorsed is still refused, rotation notes or not
    intruder = Signer.generate(platform.audit.origin)
    note = intruder.sign(Checkpoint(platform.audit.origin, platform.audit.size,
                                    platform.audit.root(platform.audit.size)))  # fmt: skip
    with pytest.raises(WitnessError, match="does not link|re-signed|unknown key"):
        Witness(state).witness(note, consistency=platform.audit.consistency,
                               rotations=list(platform.audit.rotations))  # fmt: skip
