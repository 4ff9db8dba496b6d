/* plateledger: check an audit entry's inclusion proof in the browser, trusting nothing the
 * server says about the result.
 *
 * Reads from #proof: data-entry (base64 of the canonical entry bytes), data-index,
 * data-tree-size, data-proof (audit path: comma-separated hex, leaf to root), data-checkpoint
 * (base64 of the signed checkpoint note), data-key-url (where the log's public key is published).
 *
 * 1. a sealed entry (data-nonce, data-commitment-*): its commitment
 *    c = SHA-256("plateledger/view/v1" 0x00 "internal" 0x00 nonce || entry), and
 *    leaf = SHA-256(0x00 || {"commitments":{"internal":c,"public":..,"records-request":..},"seal":1});
 *    a legacy entry: leaf = SHA-256(0x00 || entry)     (RFC 6962 / RFC 9162 section 2.1)
 * 2. root = the audit path folded with SHA-256(0x01 || left || right) (RFC 9162 2.1.3.2)
 * 3. the public key line <name>+<key id>+<base64(0x01 || key)>: key id must be
 *    SHA-256(name || 0x0A || 0x01 || key)[:4]                          (C2SP signed-note)
 * 4. the checkpoint note's "— <name> <base64(key id || signature)>" line must be a valid
 *    Ed25519 signature of the note text by that key                    (WebCrypto Ed25519)
 * 5. the signed checkpoint's tree size and root must equal the proof's tree size and root 2.
 * No network access except fetching the published public key from the same origin.
 */
(function () {
  "use strict";

  const section = document.getElementById("proof");
  if (!section) {
    return;
  }
  const result = document.getElementById("proof-result");
  const steps = document.getElementById("proof-steps");
  const encoder = new TextEncoder();

  class Failure extends Error {}
  class Unsupported extends Error {}

  function hexToBytes(hex) {
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new Failure("audit path: " + JSON.stringify(hex) + " is not a 32-byte hex hash");
    }
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) {
      out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  function b64ToBytes(text, what) {
    let bin;
    try {
      bin = atob(text);
    } catch (e) {
      throw new Failure(what + ": not base64");
    }
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }

  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));

  async function sealedLeaf(entry, d) {
    if (!d.nonce) {
      return leafHash(entry);
    }
    if (!/^[0-9a-f]{32}$/.test(d.nonce)) {
      throw new Failure("the entry nonce is not 16-byte hex");
    }
    const nonce = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      nonce[i] = parseInt(d.nonce.slice(2 * i, 2 * i + 2), 16);
    }
    const c = await sha256(concat(encoder.encode("plateledger/view/v1\u0000internal\u0000"),
      nonce, entry));
    const hex = /^[0-9a-f]{64}$/;
    if (!hex.test(d.commitmentPublic || "") || !hex.test(d.commitmentRecordsRequest || "")) {
      throw new Failure("the commitments of the redacted views are not 32-byte hex");
    }
    const envelope = '{"commitments":{"internal":"' + toHex(c) + '","public":"' +
      d.commitmentPublic + '","records-request":"' + d.commitmentRecordsRequest + '"},"seal":1}';
    return leafHash(encoder.encode(envelope));
  }
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  // RFC 9162 section 2.1.3.2, steps 1-4 (the same as audit/merkle.py root_from_inclusion_proof).
  async function rootFromProof(leaf, index, size, path) {
    if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
      throw new Failure("entry index " + index + " is not below tree size " + size);
    }
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    const half = (n) => Math.floor(n / 2);
    for (const p of path) {
      if (sn === 0) {
        throw new Failure("the audit path has more hashes than a tree of this size needs");
      }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn !== 0 && fn % 2 === 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    if (sn !== 0) {
      throw new Failure("the audit path has fewer hashes than a tree of this size needs");
    }
    return r;
  }

  function parseKey(line) {
    const parts = line.trim().split("+");
    if (parts.length < 3 || !/^[0-9a-f]{8}$/.test(parts[1])) {
      throw new Failure("public key: expected <name>+<key id>+<base64 key>");
    }
    const raw = b64ToBytes(parts.slice(2).join("+"), "public key");
    if (raw.length !== 33 || raw[0] !== 1) {
      throw new Failure("public key: not an Ed25519 (type 0x01) key");
    }
    return { name: parts[0], keyId: parts[1], key: raw.slice(1) };
  }

  function parseNote(note) {
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0 || !note.endsWith("\n")) {
      throw new Failure("checkpoint: no blank line before the signatures");
    }
    const text = note.slice(0, cut + 1);
    const signatures = note.slice(cut + 2, -1).split("\n");
    const lines = text.split("\n");
    if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) {
      throw new Failure("checkpoint: expected origin, tree size and root lines");
    }
    const root = b64ToBytes(lines[2], "checkpoint root");
    if (root.length !== 32) {
      throw new Failure("checkpoint: the root is not 32 bytes");
    }
    return { text, signatures, origin: lines[0], size: Number(lines[1]), root };
  }

  async function verifySignature(cp, pub) {
    const keyId = (await sha256(concat(encoder.encode(pub.name), Uint8Array.of(10, 1), pub.key)))
      .slice(0, 4);
    if (toHex(keyId) !== pub.keyId) {
      throw new Failure("public key: its key id does not match the key");
    }
    const prefix = "\u2014 " + pub.name + " ";
    const named = cp.signatures
      .filter((s) => s.startsWith(prefix))
      .map((s) => b64ToBytes(s.slice(prefix.length), "checkpoint signature"));
    if (named.length === 0) {
      throw new Failure("checkpoint: no signature by " + pub.name);
    }
    // Signatures by other keys are ignored (C2SP signed note); one by this key must verify.
    const raw = named.find((r) => r.length === 68 && equal(r.slice(0, 4), keyId));
    if (!raw) {
      throw new Failure("checkpoint: signed by another key than the published one");
    }
    let key;
    try {
      key = await crypto.subtle.importKey("raw", pub.key, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new Unsupported("this browser has no Ed25519 in WebCrypto");
    }
    const ok = await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      raw.slice(4),
      encoder.encode(cp.text),
    );
    if (!ok) {
      throw new Failure("checkpoint: the Ed25519 signature does not verify");
    }
  }

  function step(text, ok) {
    const li = document.createElement("li");
    li.className = ok ? "ok" : "bad";
    li.textContent = (ok ? "\u2713 " : "\u2717 ") + text;
    steps.appendChild(li);
  }

  async function check() {
    const d = section.dataset;
    const index = Number(d.index);
    const size = Number(d.treeSize);
    const entry = b64ToBytes(d.entry || "", "entry");
    const path = (d.proof || "").split(",").filter((h) => h !== "").map(hexToBytes);
    const leaf = await sealedLeaf(entry, d);
    step("leaf hash of the " + entry.length + "-byte entry" + (d.nonce ? " and its seal" : "") +
      ": " + toHex(leaf), true);
    const root = await rootFromProof(leaf, index, size, path);
    step("root from the " + path.length + "-hash audit path: " + toHex(root), true);
    const response = await fetch(d.keyUrl, { cache: "no-store", credentials: "omit" });
    if (!response.ok) {
      throw new Failure("could not fetch the published public key (" + response.status + ")");
    }
    const pub = parseKey(await response.text());
    const note = new TextDecoder("utf-8", { fatal: true }).decode(
      b64ToBytes(d.checkpoint || "", "checkpoint"),
    );
    const cp = parseNote(note);
    await verifySignature(cp, pub);
    step("checkpoint signature valid: Ed25519 key " + pub.name + "+" + pub.keyId, true);
    if (cp.size !== size) {
      throw new Failure("the proof is for tree size " + size + ", the checkpoint signs " + cp.size);
    }
    if (!equal(cp.root, root)) {
      throw new Failure(
        "root does not match: signed " + toHex(cp.root) + ", computed " + toHex(root),
      );
    }
    step("computed root equals the signed root of tree size " + cp.size, true);
    return cp;
  }

  async function run() {
    steps.textContent = "";
    result.className = "proof-result pending";
    result.textContent = "Checking\u2026";
    section.dataset.result = "pending";
    try {
      const cp = await check();
      result.className = "proof-result verified";
      result.textContent =
        "Verified by your browser: entry " + section.dataset.index +
        " is in the log of " + cp.size + " entries whose root the published key signed.";
      section.dataset.result = "verified";
    } catch (e) {
      if (e instanceof Unsupported || !(window.crypto && crypto.subtle)) {
        result.className = "proof-result pending";
        result.textContent = "Cannot check here (" + (e.message || e) + "): use `plateledger audit verify`.";
        section.dataset.result = "unsupported";
        return;
      }
      const why = e instanceof Failure ? e.message : "error: " + e;
      step(why, false);
      result.className = "proof-result failed";
      result.textContent = "NOT verified: " + why;
      section.dataset.result = "failed";
    }
  }

  document.getElementById("proof-recheck").addEventListener("click", run);
  run();
})();
