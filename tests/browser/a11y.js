// In-page accessibility checks for tests/browser/test_accessibility.py (evaluated by Playwright
// through the DevTools protocol, so the pages' Content-Security-Policy still applies to them).
// Returns facts, not verdicts: the Python test decides what fails.
() => {
  const NATIVE = "a[href], button, input:not([type=hidden]), select, textarea, summary, " +
    "[tabindex]:not([tabindex^='-']), [role=button], [role=link], [role=checkbox], [role=tab], [role=menuitem], " +
    "[role=switch], [role=slider], [contenteditable=''], [contenteditable=true]";
  const shown = (el) => {
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return `<${el.tagName.toLowerCase()}${id}${name}> ${text.slice(0, 40)}`;
  };

  // Interactive elements, tagged so the Tab walk can tell which ones it reached.
  const interactive = [];
  let n = 0;
  for (const el of document.querySelectorAll(NATIVE)) {
    if (el.disabled || el.closest("[inert]") || !shown(el)) continue;
    el.dataset.a11y = String(n);
    interactive.push({ idx: n, desc: describe(el), tabindex: el.tabIndex,
      radio: el.type === "radio" ? el.name : null });
    n += 1;
  }

  // Mouse-only: something that looks clickable (pointer/crosshair cursor, not inherited) yet
  // cannot take focus and is not inside or labelling something that can. A mouse surface (the
  // map one draws a box on) passes when it names, in data-keyboard-alternative, the ids of the
  // keyboard-reachable controls that do the same thing.
  const mouseOnly = [];
  const focusableAncestor = "a[href], button, summary, label, select, input, textarea, [tabindex]";
  for (const el of document.body.querySelectorAll("*")) {
    const cursor = getComputedStyle(el).cursor;
    if (cursor !== "pointer" && cursor !== "crosshair") continue;
    if (!shown(el) || el.tabIndex >= 0) continue;
    const parent = el.parentElement;
    if (parent && getComputedStyle(parent).cursor === cursor) continue; // inherited
    const holder = parent && parent.closest(focusableAncestor);
    if (el.matches(focusableAncestor) || (holder && (holder.tabIndex >= 0 || holder.tagName === "LABEL"))) continue;
    const surface = el.closest("[data-keyboard-alternative]");
    if (surface) {
      const ids = surface.dataset.keyboardAlternative.split(/\s+/).filter(Boolean);
      const missing = ids.filter((id) => {
        const target = document.getElementById(id);
        return !target || target.disabled || target.tabIndex < 0 || !shown(target);
      });
      if (ids.length && !missing.length) continue;
      mouseOnly.push(`${describe(el)} (keyboard alternative missing: ${missing.join(" ") || "none named"})`);
      continue;
    }
    mouseOnly.push(describe(el));
  }

  // Text contrast (WCAG 2.x relative luminance), background found by walking up the ancestors.
  const parse = (c) => {
    const m = c.match(/^rgba?\(([^)]+)\)$/);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const contrast = [];
  const unparsed = new Set();
  const checked = { count: 0 };
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg, script, style, noscript, option") || !shown(el)) continue;
    const field = el.matches("input:not([type=hidden]):not([type=range]):not([type=checkbox]):not([type=radio]), select, textarea");
    const ownText = [...el.childNodes].some((t) => t.nodeType === 3 && t.textContent.trim());
    if (!ownText && !field) continue;
    if (el.disabled) continue;
    const r = el.getBoundingClientRect();
    if (r.right <= 0 || r.bottom <= 0) continue; // parked off-screen (e.g. the skip link)
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) { unparsed.add(style.color); continue; }
    const bg = background(el);
    const text = over(fg, bg);
    const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    checked.count += 1;
    if (ratio + 1e-6 < need) {
      contrast.push(`${describe(el)}: ${ratio.toFixed(2)}:1 < ${need}:1 (${style.color} on rgb(${bg.slice(0, 3).map(Math.round).join(", ")}))`);
    }
  }

  const ids = {};
  for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
  const root = document.documentElement;
  return {
    interactive,
    mouseOnly,
    contrast,
    contrastChecked: checked.count,
    unparsedColours: [...unparsed],
    duplicateIds: Object.keys(ids).filter((k) => ids[k] > 1),
    h1: document.querySelectorAll("h1").length,
    lang: root.lang,
    title: document.title,
    main: document.querySelectorAll("main#main").length,
    overflowX: root.scrollWidth - root.clientWidth,
  };
}
