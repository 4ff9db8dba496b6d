"""POST /api/v1/audit/cosignatures as an attacker would use it (no token; the signature is the
authentication), and what the cosigned-checkpoint endpoints then serve. Real app, real log."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import Checkpoint, Signer, open_note
from plateledger.audit.cosignature import WitnessSigner, cosign, verify_witnessed
from plateledger.audit.cosigned import CosignatureStore

URL = "/api/v1/audit/cosignatures"
W = WitnessSigner.generate("board.example/w1")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    platform.cosignatures.add_witness(W.vkey())
    for i in range(3):
        platform.log_event("config_change", None, {"action": f"probe-{i}"})
    with TestClient(create_app(platform, background=False, limits=Limits(rate_per_s=0))) as c:
        yield c


def _post(client: TestClient, size: int, line: str, witness: str | None = None) -> tuple[int, str]:
    body = {"size": size, "witness": witness or W.verifier().label, "cosignature": line}
    response = client.post(URL, json=body)
    return response.status_code, response.text


def _current(platform: Platform) -> tuple[int, str]:
    note = platform.audit.checkpoint()
    return open_note(note, platform.audit.signer.verifier()).size, note


def test_accepts_a_configured_witness_once(client: TestClient, platform: Platform) -> None:
    size, note = _current(platform)
    line = cosign(note, W, int(time.time()))
    assert _post(client, size, line)[0] == 201
    assert _post(client, size, line)[0] == 200  # a replay changes nothing
    assert len(platform.cosignatures.received()) == 1
    served = client.get("/api/v1/audit/checkpoint/cosigned").text
    assert served == note + line + "\n"
    assert verify_witnessed(served, platform.audit.public_key(), W.vkey())[0].size == size
    assert client.get(f"/api/v1/audit/checkpoints/{size}").text == served


def test_accepts_checkpoints_older_than_the_latest(client: TestClient, platform: Platform) -> None:
    """A witness is often a checkpoint behind a busy log: each issued size is accepted, in any
    order; a size never issued is not."""
    sizes = []
    for i in range(3):
        sizes.append(_current(platform))
        platform.log_event("config_change", None, {"action": f"more-{i}"})
        platform.audit.checkpoint()
    now = int(time.time())
    for size, note in [sizes[1], sizes[0], sizes[2]]:
        assert _post(client, size, cosign(note, W, now))[0] == 201
    ahead = Checkpoint(platform.audit.origin, sizes[2][0] + 5, bytes(32))
    code, text = _post(client, ahead.size, cosign(ahead, W, now))
    assert code == 400 and "never issued" in text
    latest = client.get("/api/v1/audit/checkpoint/cosigned").text
    assert verify_witnessed(latest, platform.audit.public_key(), W.vkey())[0].size == sizes[2][0]


def test_refuses_unconfigured_and_renamed_keys(client: TestClient, platform: Platform) -> None:
    size, note = _current(platform)
    stranger = WitnessSigner.generate("stranger.example/w9")
    code, text = _post(client, size, cosign(note, stranger, int(time.time())),
                       stranger.verifier().label)  # fmt: skip
    assert code == 403 and "not a configured witness" in text
    impostor = WitnessSigner.generate(W.name)  # the trusted name, another key
    code, text = _post(client, size, cosign(note, impostor, int(time.time())),
                       impostor.verifier().label)  # fmt: skip
    assert code == 403 and "another key" in text
    assert platform.cosignatures.received() == []


def test_refuses_checkpoints_we_never_issued(client: TestClient, platform: Platform) -> None:
    size, note = _current(platform)
    now = int(time.time())
    code, text = _post(client, size + 100, cosign(Checkpoint(platform.audit.origin, size + 100,
                                                             bytes(32)), W, now))  # fmt: skip
    assert code == 400 and "never issued" in text
    forked = Checkpoint(platform.audit.origin, size, bytes(32))  # our size, another root
    code, text = _post(client, size, cosign(forked, W, now))
    assert code == 400 and "not a valid cosignature" in text
    forged = Signer.generate(platform.audit.origin).sign(forked)
    code, _ = _post(client, size, cosign(forged, W, now))
    assert code == 400
    assert client.get("/api/v1/audit/checkpoint/cosigned").status_code == 404


def test_refuses_malformed_and_oversized(client: TestClient, platform: Platform) -> None:
    size, note = _current(platform)
    line = cosign(note, W, int(time.time()))
    name, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    flipped = f"{name} {base64.b64encode(bytes(raw)).decode()}"
    assert _post(client, size, flipped)[0] == 400
    assert _post(client, size, line.replace("\u2014", "-"))[0] == 400
    assert _post(client, size, line[:-4])[0] == 400
    assert _post(client, size, line, "board.example/w1+00000000")[0] == 400
    future = cosign(note, W, int(time.time()) + 7200)
    code, text = _post(client, size, future)
    assert code == 400 and "future" in text
    assert client.post(URL, json={"size": size, "witness": "x+1", "cosignature": line,
                                  "extra": 1}).status_code == 422  # fmt: skip
    assert client.post(URL, json={"size": -1, "witness": W.verifier().label,
                                  "cosignature": line}).status_code == 422  # fmt: skip
    big = client.post(URL, content=b"{" + b" " * 5000 + b"}",
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert big.status_code == 413
    assert platform.cosignatures.received() == []


def test_removed_witness_is_refused_and_withdrawn(client: TestClient, platform: Platform) -> None:
    size, note = _current(platform)
    assert _post(client, size, cosign(note, W, int(time.time())))[0] == 201
    platform.cosignatures.remove_witness(W.name)
    assert _post(client, size, cosign(note, W, int(time.time()) + 1))[0] == 403
    assert platform.cosignatures.cosignatures_for(size) == []
    assert client.get(f"/api/v1/audit/checkpoints/{size}").text == note
    assert client.get("/api/v1/audit/checkpoints/999999").status_code == 404


def test_store_survives_a_restart_and_a_torn_line(platform: Platform, tmp_path: Path) -> None:
    platform.cosignatures.add_witness(W.vkey())
    platform.log_event("config_change", None, {"action": "probe"})
    size, note = _current(platform)
    line = cosign(note, W, int(time.time()))
    platform.cosignatures.add(size, W.verifier().label, line)
    path = platform.data_dir / "audit" / "cosignatures.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"size": 1, "ro')  # a crash mid-append
    again = CosignatureStore(platform.data_dir / "audit", checkpoints=platform.audit.checkpoints)
    assert again.cosignatures_for(size) == [line]
    assert again.cosigned_note(size) == note + line + "\n"
    assert again.latest_cosigned() == (size, note + line + "\n")
    later = cosign(note, W, int(time.time()) + 1)  # appended after the torn fragment
    again.add(size, W.verifier().label, later)
    third = CosignatureStore(platform.data_dir / "audit", checkpoints=platform.audit.checkpoints)
    assert [r.line for r in third.received()] == [line, later]
    assert third.cosignatures_for(size) == [later]  # the latest statement per witness
