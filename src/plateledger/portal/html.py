"""The transparency portal as one self-contained, accessible HTML page.

Inline CSS only: no scripts, no external URLs, no fonts or images to fetch. Every value is
escaped. The page carries the signed checkpoint the figures were computed at, and how to check it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from plateledger.domain.types import Agency
from plateledger.domain.when import human_stamp, iso_stamp
from plateledger.oversight.portal_figures import Counts
from plateledger.portal.data import PortalData

CSS = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;"
    "color:#111;background:#fff}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;"
    "border-bottom:1px solid #999}table{border-collapse:collapse;margin:.5rem 0}"
    "th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}pre{white-space:pre-wrap;"
    "background:#f3f3f3;padding:.5rem;overflow-wrap:anywhere}.big{font-size:1.4rem;font-weight:"
    "bold}a{color:#0645ad}body{overflow-wrap:break-word}code{overflow-wrap:anywhere}"
    "@media (max-width:40rem){table{display:block;max-width:100%;overflow-x:auto}}"
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{v:,}</td>' if isinstance(v, int) and not isinstance(v, bool)
            else f"<td>{_e(v)}</td>" for v in row
        ) + "</tr>"
        for row in rows
    )  # fmt: skip
    if not body:
        return f"<p>{_e(caption)}: none.</p>"
    heads = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    return f"<table><caption>{_e(caption)}</caption><tr>{heads}</tr>{body}</table>"


def _counts(caption: str, what: str, counts: Counts) -> str:
    return _table(caption, (what, "Count"), counts)


def _time(value: str) -> str:
    """``<time datetime="2026-12-07T14:03:00Z">7 Dec 2026, 14:03 UTC</time>``."""
    return f'<time datetime="{_e(iso_stamp(value))}">{_e(human_stamp(value))}</time>'


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def _stat(label: str, value: int) -> str:
    return f'<li>{_e(label)}: <span class="big">{value:,}</span></li>'


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def render_index(agencies: Sequence[Agency]) -> str:
    """The list of every agency's portal (``/portal/``), with relative links to each page and
    its JSON, so the index works wherever the portal is mounted."""
    rows = "".join(
        f'<tr><td><a href="{_e(a.id)}">{_e(a.name)}</a></td><td>{_e(a.state)}</td>'
        f'<td>{_e(a.kind)}</td><td><a href="{_e(a.id)}.json">JSON</a></td></tr>'
        for a in agencies
    )
    table = (
        '<table><caption>Agencies publishing a portal</caption><tr><th scope="col">Agency</th>'
        '<th scope="col">State</th><th scope="col">Kind</th><th scope="col">Figures</th></tr>'
        f"{rows}</table>"
        if rows else "<p>No agency is registered yet.</p>"
    )  # fmt: skip
    return _page("ALPR transparency portals", (
        "<h1>ALPR transparency portals</h1><p>Each agency on this network publishes what its "
        "cameras collect, how long reads are kept, who may search them and why, and the last 30 "
        "days of searches, denials and holds, computed from the signed audit log. No sign-in is "
        f"needed.</p>{table}"
    ))  # fmt: skip


def render(d: PortalData) -> str:
    a, r, cp = d.audit, d.retention, d.audit.checkpoint
    days = "kept until deleted by hand (no cap applies)" if r.days is None else f"{r.days:g} days"
    cap = "no statutory cap" if r.law_cap_days is None else f"{r.law_cap_days} days"
    parts = [
        f"<h1>{_e(d.name)}: ALPR transparency portal</h1>",
        f"<p>Agency <code>{_e(d.agency_id)}</code> ({_e(d.kind)}, {_e(d.state)}). Figures cover "
        f"{_time(d.window_start)} to {_time(d.window_end)} (30 days); published "
        f"{_time(d.generated_at)}.</p>",
        "<h2 id='collected'>What is collected</h2>", _list(d.collected),
        "<p>Not collected:</p>", _list(d.not_collected),
        "<h2 id='cameras'>Cameras</h2>",
        f"<p>{len(d.fixed_cameras)} fixed cameras and {d.mobile_cameras} mobile units "
        "(mobile units are counted, not located).</p>",
        _table("Fixed cameras", ("Name", "Latitude", "Longitude", "Heading", "Active"),
               ((c.name, f"{c.lat:.4f}", f"{c.lon:.4f}",
                 "" if c.heading is None else f"{c.heading:g}°", "yes" if c.active else "no")
                for c in d.fixed_cameras)),
        "<h2 id='retention'>Retention</h2>",
        f"<p>Reads are deleted after <strong>{_e(days)}</strong> (rule <code>{_e(r.rule_id)}"
        f"</code>). State law: {_e(cap)} ({_e(r.law_citation)}, rule <code>{_e(r.law_rule_id)}"
        "</code>). Agency setting: "
        f"{_e('none' if r.agency_days is None else f'{r.agency_days} days')}.</p>"
        + (f"<p>Reads matching no hotlist are kept {r.non_hit_minutes} minutes.</p>"
           if r.non_hit_minutes is not None else ""),
        "<h2 id='prohibited'>Prohibited uses</h2>",
        "<p>Searches for these purposes are refused by the policy engine before any data is read."
        "</p>",
        _table("Prohibited purposes", ("Purpose", "Source", "Rule", "Citation"),
               ((p.label, p.source, p.rule_id, p.citation) for p in d.prohibited)),
        "<h2 id='access'>Access policy</h2>",
        "<p>Every search must carry: " + _e(", ".join(d.required_fields)) + ". Every search, "
        "allowed, held or denied, is written to the tamper-evident audit log before any read is "
        "touched.</p>",
        "<h2 id='sharing'>Sharing</h2>",
        _table("State law on sharing, by who asks", ("Requester", "Decision", "Rule", "Citation"),
               ((s.requester, s.decision, s.rule_id, s.citation) for s in d.sharing_law)),
        _table("We share our data with (outbound)", ("Partner", "Kind", "Our network", "Purposes"),
               ((p.who, p.kind, p.network, ", ".join(p.purposes) or "any lawful purpose")
                for p in d.sharing_out)),
        _table("Others share their data with us (inbound)",
               ("Partner", "Kind", "Their network", "Purposes"),
               ((p.who, p.kind, p.network, ", ".join(p.purposes) or "any lawful purpose")
                for p in d.sharing_in)),
        "<h2 id='counts'>Last 30 days</h2><ul>",
        _stat("Vehicle reads by our cameras", d.reads_30d),
        _stat("Hotlist hits", d.hotlist_hits_30d),
        _stat("Searches of our data (allowed)", a.searches_of_our_data),
        _stat("… by our own users", a.by_our_users),
        _stat("… by partner agencies", a.by_partners),
        _stat("Search requests on our data denied", a.denied),
        _stat("Search requests on our data held for a supervisor", a.held),
        _stat("Searches by our users (any network)", a.our_users_searches),
        _stat("Held searches approved by our supervisors", a.holds_approved),
        _stat("Held searches rejected by our supervisors", a.holds_rejected),
        _stat("Sharing, policy and hotlist changes by our staff", a.policy_changes),
        _stat("Reads deleted under the retention rule", a.reads_purged),
        "</ul>",
        _counts("Searches of our data by purpose class", "Purpose class", a.by_purpose_class),
        _counts("Denied requests by rule", "Rule", a.denied_by_rule),
        _counts("Held requests by rule", "Rule", a.held_by_rule),
        _counts("Searches by our users, by outcome", "Outcome", a.our_users_by_outcome),
        _counts("Hotlist hits by review status", "Status", d.hits_by_status),
        "<h2 id='hotlists'>Hotlists alerted on</h2>",
        _table("Hotlists our cameras alert on", ("List", "Owner", "Source", "Purpose class",
                                                  "Hits (30 days)"),
               ((h.name, h.owner, h.source, h.purpose_class, h.hits_30d) for h in d.hotlists)),
        "<h2 id='meaning'>What these numbers mean</h2>", _list(MEANING),
        "<h2 id='verify'>Verify these figures</h2>",
        f"<p>The search figures were computed from the first {cp.size:,} entries of the audit log "
        f"<code>{_e(cp.origin)}</code>, whose Merkle root (hex) is <code>{_e(cp.root_hex)}</code>. "
        "The portal recomputed that root from the entries and checked the signature before "
        "publishing. The signed checkpoint:</p>",
        f"<pre>{_e(cp.note)}</pre><p>The log's public key:</p><pre>{_e(cp.public_key)}</pre>",
        "<p>To check that the log has only grown since, save the checkpoint above as "
        "<code>checkpoint.txt</code> and the key as <code>log.vkey</code>, then run "
        "<code>plateledger audit verify --against BASE_URL --since checkpoint.txt --key log.vkey"
        "</code>. To recompute the figures, ask for an audit bundle (<code>plateledger audit "
        "export --profile records-request</code>) covering this tree size and verify it with "
        "<code>plateledger audit verify BUNDLE</code>.</p>",
    ]  # fmt: skip
    return _page(f"{d.name}: ALPR transparency portal", "".join(parts))


MEANING = (
    "Reads: every plate a camera of this agency recorded in the last 30 days and still holds. "
    "Reads older than the retention window are deleted, with a receipt in the audit log.",
    "Hotlist hits: reads that matched a list this agency subscribes to. A hit is an alert for "
    "a person to check, not a confirmed match: the review status shows how many were checked.",
    "Searches of our data: requests by anyone (our staff or partners) that the policy engine "
    "allowed on at least one of our networks. A search is counted once however many of our "
    "networks it covered.",
    "Denied: requests refused on all of our networks they asked about (no sharing agreement, "
    "a purpose the law forbids, ...). Held: requests waiting for a supervisor's approval, "
    "usually because the stated reason was too vague. Each is listed by the rule that applied.",
    "Search, denial and hold figures come from the signed, append-only audit log and can be "
    "checked by anyone; read and hit counts come from the agency's database.",
    "No plate, reason text, case number or officer name is published here.",
)
