// lazypm dashboard script. Pages are rendered on the server; this adds what
// a page cannot do alone: live refresh from the audit feed, forms that run
// operations through POST /api/tools/{name}, conflict display, drag and
// drop on the board, pan and zoom on the graph, keyboard shortcuts and the
// command palette. No inline script, no library, nothing fetched from
// elsewhere.
"use strict";
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const project = () => document.body.dataset.project || "";

  // ---- feedback -----------------------------------------------------------
  let toastTimer = null;
  function toast(message, kind) {
    const t = $("#toast");
    if (!t) return;
    t.textContent = message;
    t.className = "show " + (kind || "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = ""; }, kind === "error" ? 9000 : 3500);
  }

  // ---- the API --------------------------------------------------------------
  async function callTool(tool, args) {
    const res = await fetch("/api/tools/" + encodeURIComponent(tool), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(args),
    });
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      const err = (body && body.error) || {};
      const e = new Error(err.message || res.status + " " + res.statusText);
      e.status = res.status;
      e.field = err.field;
      e.code = err.code;
      throw e;
    }
    return body;
  }

  // ---- live refresh -------------------------------------------------------
  let busy = 0;
  let pending = false;
  let refreshTimer = null;
  // Numbers each refresh's fetch: only the latest one started may paint, so
  // a slow answer never paints over a newer one.
  let fetches = 0;

  function editing() {
    const main = $("#main");
    if (!main) return false;
    if ($("dialog[open]")) return true;
    if ($("form[data-edit], #issue-form", main)) return true;
    const a = document.activeElement;
    if (a && main.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) &&
        a.type !== "checkbox" && !a.closest("form[data-autosubmit]")) return true;
    return $$("form", main).some((f) => f.dataset.dirty === "1");
  }

  function staleNote(on) {
    let n = $("#stale-note");
    if (!on) { if (n) n.remove(); return; }
    if (n) return;
    n = document.createElement("p");
    n.id = "stale-note";
    n.className = "callout";
    n.textContent = "This page changed while you were editing; it refreshes when you are done. ";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button subtle";
    b.textContent = "Refresh now";
    b.addEventListener("click", () => { pending = false; refresh(true); });
    n.appendChild(b);
    const main = $("#main");
    if (main) main.prepend(n);
  }

  async function refresh(force) {
    if (!force && (busy > 0 || editing())) {
      pending = true;
      if ($("#issue-form")) staleNote(true);
      return;
    }
    pending = false;
    const mine = ++fetches;
    let res;
    try {
      res = await fetch(location.href, { credentials: "same-origin", headers: { "X-Fragment": "1" } });
    } catch (e) { return; }
    if (!res.ok) {
      if (res.status === 404) toast("This issue no longer exists.", "error");
      return;
    }
    const html = await res.text();
    if (mine !== fetches) return;
    // Someone may have started typing while the page was on its way: their
    // text outranks the refresh, which waits until they are done. (A forced
    // refresh, after one's own change, paints: the patch keeps what is typed.)
    if (!force && (busy > 0 || editing())) {
      pending = true;
      if ($("#issue-form")) staleNote(true);
      return;
    }
    const main = $("#main");
    if (!main) return;
    const graph = $("#graph");
    const viewBox = graph ? graph.getAttribute("viewBox") : null;
    const x = window.scrollX, y = window.scrollY;
    const next = document.createElement("template");
    next.innerHTML = html;
    morphChildren(main, next.content);
    const g2 = $("#graph");
    if (viewBox && g2) g2.setAttribute("viewBox", viewBox);
    window.scrollTo(x, y);
    enhance(main);
  }

  // A refresh patches the page in place rather than replacing it: what did
  // not change keeps its element, so focus, a caret, a half-typed comment and
  // a card held in a drag survive an update made elsewhere. Elements are
  // matched by tag, id and data-key, so one never turns into another issue's.
  function sameNode(a, b) {
    if (a.nodeType !== b.nodeType) return false;
    if (a.nodeType !== 1) return true;
    return a.tagName === b.tagName && a.id === b.id &&
      a.getAttribute("data-key") === b.getAttribute("data-key") &&
      a.getAttribute("type") === b.getAttribute("type");
  }

  function keyOf(n) {
    return n.nodeType === 1 && (n.id || n.getAttribute("data-key")) ? n.tagName + "#" + n.id + "#" + n.getAttribute("data-key") : null;
  }

  function morphChildren(from, to) {
    const wanted = Array.from(to.childNodes);
    const keyed = new Map();
    for (const c of from.childNodes) { const k = keyOf(c); if (k && !keyed.has(k)) keyed.set(k, c); }
    const placed = new Set();
    wanted.forEach((n, i) => {
      let o = from.childNodes[i] || null;
      if (o && !sameNode(o, n)) {
        const k = keyOf(n);
        const found = k ? keyed.get(k) : null;
        if (found && !placed.has(found) && sameNode(found, n)) { from.insertBefore(found, o); o = found; } else o = null;
      }
      if (o) placed.add(o);
      if (!o) { from.insertBefore(n, from.childNodes[i] || null); return; }
      if (o.nodeType === 1) morphElement(o, n);
      else if (o.nodeValue !== n.nodeValue) o.nodeValue = n.nodeValue;
    });
    while (from.childNodes.length > wanted.length) from.lastChild.remove();
  }

  function morphElement(from, to) {
    // What belongs to the person stays: a section they opened or closed, and
    // the mark on a form they have typed into.
    const own = (a) => a.name === "data-dirty" || (from.tagName === "DETAILS" && a.name === "open");
    for (const a of Array.from(from.attributes)) {
      if (!to.hasAttribute(a.name) && !own(a)) from.removeAttribute(a.name);
    }
    for (const a of Array.from(to.attributes)) {
      if (from.getAttribute(a.name) !== a.value && !own(a)) from.setAttribute(a.name, a.value);
    }
    morphChildren(from, to);
    // What the person is typing stays theirs; everything else shows the store.
    const tag = from.tagName;
    if (tag !== "INPUT" && tag !== "TEXTAREA" && tag !== "SELECT") return;
    if (from.type === "checkbox" || from.type === "radio") { from.checked = to.defaultChecked; return; }
    const form = from.form;
    if (from === document.activeElement || (form && form.dataset.dirty === "1")) return;
    if (tag === "SELECT") {
      Array.from(from.options).forEach((o, i) => { o.selected = !!to.options[i] && to.options[i].defaultSelected; });
    } else {
      from.value = tag === "TEXTAREA" ? to.defaultValue : (to.getAttribute("value") || "");
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh(false), 100);
  }

  // A deferred refresh runs once the person leaves the field or closes the dialog.
  document.addEventListener("focusout", () => { if (pending) setTimeout(() => pending && refresh(false), 50); });
  document.addEventListener("close", () => { if (pending) setTimeout(() => pending && refresh(false), 50); }, true);

  function connectLive() {
    const seq = document.body.dataset.seq;
    if (seq === undefined || !window.EventSource) return;
    const es = new EventSource("/api/events?after=" + encodeURIComponent(seq));
    const dot = $("#live");
    es.onopen = () => { if (dot) { dot.classList.add("on"); dot.title = "Live: changes appear as they happen"; } };
    es.onerror = () => { if (dot) { dot.classList.remove("on"); dot.title = "Reconnecting to live updates…"; } };
    const onEvent = (ev) => {
      if (ev.lastEventId) document.body.dataset.seq = ev.lastEventId;
      let data = null;
      try { data = JSON.parse(ev.data); } catch (e) { data = null; }
      const p = project();
      if (p && data && data.project && data.project !== p) return;
      if (dot) { dot.classList.remove("pulse"); void dot.offsetWidth; dot.classList.add("pulse"); }
      scheduleRefresh();
    };
    (document.body.dataset.events || "").split(",").filter(Boolean)
      .forEach((t) => es.addEventListener(t, onEvent));
    es.addEventListener("message", onEvent);
  }

  // ---- forms --------------------------------------------------------------
  function changed(el) {
    if (el.tagName === "SELECT") return Array.from(el.options).some((o) => o.selected !== o.defaultSelected);
    if (el.type === "checkbox") return el.checked !== el.defaultChecked;
    return el.value !== el.defaultValue;
  }

  function valueOf(el, edit) {
    const kind = el.dataset.kind || "";
    const text = typeof el.value === "string" ? el.value.trim() : el.value;
    switch (kind) {
      case "bool": return el.type === "checkbox" ? el.checked : text === "true";
      case "number": return text === "" ? undefined : Number(text);
      case "nullable": return text === "" ? (edit ? null : undefined) : text;
      case "nullable-number": return text === "" ? (edit ? null : undefined) : Number(text);
      case "list": {
        const items = text.split(",").map((s) => s.trim()).filter(Boolean);
        return items.length || edit ? items : undefined;
      }
      case "lines": {
        const items = text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
        return items.length || edit ? items : undefined;
      }
      default: return text === "" && !edit ? undefined : text;
    }
  }

  function formArgs(form, submitter) {
    const edit = "edit" in form.dataset;
    const args = {};
    for (const el of Array.from(form.elements)) {
      if (!el.name || el.disabled || el.tagName === "BUTTON" || el.type === "submit") continue;
      if (el.type === "checkbox" && el.dataset.kind !== "bool" && !el.checked) continue;
      if (edit && !("always" in el.dataset) && !changed(el)) continue;
      const v = valueOf(el, edit);
      if (v !== undefined) args[el.name] = v;
    }
    if (submitter && submitter.name) args[submitter.name] = submitter.value;
    return args;
  }

  function clearError(form) {
    const e = $(".error", form);
    if (e) { e.hidden = true; e.textContent = ""; }
    $$("[aria-invalid]", form).forEach((el) => el.removeAttribute("aria-invalid"));
  }

  function showError(form, err) {
    const e = $(".error", form);
    const text = err.message || String(err);
    if (e) { e.textContent = text; e.hidden = false; } else toast(text, "error");
    const field = err.field && form.elements[err.field.replace(/\[\d+\]$/, "")];
    if (field && field.setAttribute) { field.setAttribute("aria-invalid", "true"); if (field.focus) field.focus(); }
  }

  function ask(opts) {
    const d = $("#ask");
    if (!d) return Promise.resolve(opts.confirmOnly ? "" : null);
    $("#ask-title").textContent = opts.title || "";
    $("#ask-label").textContent = opts.label || "";
    const input = $("#ask-input");
    input.value = "";
    input.required = !opts.optional;
    input.closest("label").hidden = !!opts.confirmOnly;
    if (opts.confirmOnly) input.required = false;
    $("#ask-ok").textContent = opts.ok || "OK";
    d.returnValue = "";
    return new Promise((resolve) => {
      d.addEventListener("close", () => resolve(d.returnValue === "ok" ? input.value.trim() : null), { once: true });
      d.showModal();
      if (!opts.confirmOnly) input.focus();
    });
  }

  const done = {
    pm_add_comment: "Comment added", pm_log_work: "Work logged", pm_create_task: "Task added",
    pm_link_issues: "Linked", pm_assign_issue: "Assigned", pm_prioritize_issue: "Priority set",
    pm_update_status: "Status changed", pm_review_issue: "Review recorded", pm_complete_issue: "Completed",
    pm_request_review: "Review requested", pm_add_to_sprint: "Added to sprint", pm_update_issue: "Saved",
    pm_task_checklist: "Checklist updated", pm_create_issue: "Created", pm_delete_issue: "Deleted",
  };

  async function send(form, args) {
    clearError(form);
    const buttons = $$("button", form);
    buttons.forEach((b) => { b.disabled = true; });
    busy++;
    try {
      const out = await callTool(form.dataset.tool, args);
      form.dataset.dirty = "";
      const next = form.dataset.next;
      if (next) {
        const key = (out && ((out.issue && out.issue.key) || out.key)) || "";
        location.href = next.replace("{key}", encodeURIComponent(key));
        return;
      }
      $$("input:not([type=hidden]), textarea", form).forEach((el) => {
        if (el.type !== "checkbox" && !el.closest(".inline.keep")) el.value = el.defaultValue;
      });
      toast(done[form.dataset.tool] || "Done");
    } catch (err) {
      if (err.status === 409 && "edit" in form.dataset) await showConflict(form, args, err);
      else showError(form, err);
    } finally {
      busy--;
      buttons.forEach((b) => { b.disabled = false; });
    }
    if (!form.dataset.next) await refresh(true);
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (form.id === "login-form") { ev.preventDefault(); login(form); return; }
    if (!form.matches || !form.matches("form[data-tool]")) return;
    ev.preventDefault();
    const submitter = ev.submitter || null;
    const args = formArgs(form, submitter);
    if (submitter && submitter.dataset.confirm) {
      const ok = await ask({ title: submitter.dataset.confirm, confirmOnly: true, ok: submitter.textContent });
      if (ok === null) return;
    }
    if (submitter && submitter.dataset.ask) {
      const v = await ask({
        title: submitter.dataset.askTitle || submitter.textContent,
        label: submitter.dataset.askLabel || "",
        optional: "askOptional" in submitter.dataset,
      });
      if (v === null) return;
      if (v !== "") args[submitter.dataset.ask] = v;
    }
    if ("edit" in form.dataset && Object.keys(args).every((k) => k === "issue_key" || k === "version")) {
      toast("Nothing changed");
      return;
    }
    await send(form, args);
  });

  document.addEventListener("input", (ev) => {
    const form = ev.target.closest && ev.target.closest("#main form");
    if (form && !form.matches("[data-autosubmit]")) form.dataset.dirty = "1";
  });

  document.addEventListener("change", async (ev) => {
    const el = ev.target;
    if (el.matches("input[data-check]")) {
      busy++;
      try {
        await callTool("pm_task_checklist", {
          task_key: el.dataset.check, action: el.checked ? "check" : "uncheck", item: Number(el.dataset.item),
        });
        toast(done.pm_task_checklist);
      } catch (err) {
        el.checked = !el.checked;
        toast(err.message, "error");
      } finally { busy--; }
      await refresh(true);
      return;
    }
    const auto = el.closest && el.closest("form[data-autosubmit]");
    if (auto && el.type === "checkbox") auto.requestSubmit();
    else if (auto && el.tagName === "SELECT") auto.requestSubmit();
  });

  // ---- edit conflicts -----------------------------------------------------
  function at(obj, path) {
    return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
  }

  function shown(v, el) {
    if (v == null) return "";
    if (Array.isArray(v)) return v.join(el.dataset.kind === "lines" ? "\n" : ", ");
    return String(v);
  }

  async function showConflict(form, args, err) {
    const box = $(".conflict", form);
    const key = args.issue_key;
    let current = null;
    try {
      const res = await fetch("/api/issues/" + encodeURIComponent(key), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (res.ok) current = await res.json();
    } catch (e) { current = null; }
    const issue = current && (current.issue || current);
    if (!box || !issue) { showError(form, err); return; }
    box.replaceChildren();
    const h = document.createElement("h3");
    h.textContent = "Conflict: " + key + " changed while you edited it";
    const p = document.createElement("p");
    p.textContent = "You started from version " + args.version + "; it is now version " + issue.version +
      ". Nothing was saved. Compare each field you changed with the current one, then save yours over it or discard yours.";
    const table = document.createElement("table");
    table.className = "conflict-table";
    const head = table.insertRow();
    ["Field", "Yours", "Current (version " + issue.version + ")"].forEach((t) => {
      const th = document.createElement("th"); th.textContent = t; head.appendChild(th);
    });
    Object.keys(args).filter((k) => k !== "issue_key" && k !== "version").forEach((name) => {
      const el = form.elements[name];
      if (!el) return;
      const row = table.insertRow();
      const theirs = shown(at(issue, el.dataset.path || name), el);
      const mine = shown(args[name], el);
      [name.replace(/_/g, " "), mine, theirs].forEach((t, i) => {
        const td = row.insertCell();
        const pre = document.createElement("pre");
        pre.textContent = t === "" ? "(empty)" : t;
        td.appendChild(pre);
        if (i > 0 && mine !== theirs) td.className = i === 1 ? "mine" : "theirs";
      });
      if (mine === theirs) row.className = "same";
    });
    const actions = document.createElement("div");
    actions.className = "actions";
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button primary";
    keep.textContent = "Save mine over version " + issue.version;
    keep.addEventListener("click", async () => {
      form.elements.version.value = String(issue.version);
      box.hidden = true;
      await send(form, Object.assign({}, args, { version: issue.version }));
    });
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button subtle";
    drop.textContent = "Discard mine and load the current version";
    drop.addEventListener("click", () => { form.dataset.dirty = ""; location.reload(); });
    actions.append(keep, drop);
    box.append(h, p, table, actions);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  // ---- login --------------------------------------------------------------
  async function login(form) {
    const err = $(".error", form);
    const res = await fetch("/api/login", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: form.elements.token.value }),
    });
    if (res.ok) {
      // Only ever a page of this server: "/\\host" and "//host" resolve elsewhere.
      const next = new URL(new URLSearchParams(location.search).get("next") || "/", location.origin);
      location.href = next.origin === location.origin ? next.pathname + next.search + next.hash : "/";
      return;
    }
    let msg = "Not this server's token.";
    try { msg = (await res.json()).error.message; } catch (e) { /* keep the default */ }
    err.textContent = msg;
    err.hidden = false;
  }

  // ---- the board ----------------------------------------------------------
  function statusLabel(s) { return s.replace(/_/g, " "); }

  async function moveCard(card, column) {
    const to = column.dataset.status;
    const from = card.dataset.status;
    if (!to || to === from) return;
    const key = card.dataset.key;
    const args = { issue_key: key, status: to, version: Number(card.dataset.version) };
    if (to === "blocked") {
      const reason = await ask({ title: "Block " + key, label: "What blocks it?" });
      if (reason === null) return;
      args.blocker_reason = reason;
    }
    const home = { parent: card.parentElement, next: card.nextSibling };
    column.prepend(card);
    card.classList.add("moving");
    busy++;
    try {
      await callTool("pm_update_status", args);
      card.dataset.status = to;
      toast(key + " moved to " + statusLabel(to));
    } catch (err) {
      home.parent.insertBefore(card, home.next);
      card.classList.add("refused");
      setTimeout(() => card.classList.remove("refused"), 1500);
      toast(err.message, "error");
    } finally {
      busy--;
      card.classList.remove("moving");
    }
    await refresh(true);
  }

  function columnAt(x, y) {
    const el = document.elementFromPoint(x, y);
    return el && el.closest ? el.closest(".column[data-status]") : null;
  }

  let suppressClick = false;
  document.addEventListener("click", (ev) => {
    if (suppressClick) { ev.preventDefault(); ev.stopPropagation(); suppressClick = false; }
  }, true);

  document.addEventListener("pointerdown", (ev) => {
    const card = ev.target.closest && ev.target.closest(".kcard");
    if (!card || ev.button !== 0) return;
    const start = { x: ev.clientX, y: ev.clientY };
    let ghost = null;
    let over = null;
    const allowed = (card.dataset.next || "").split(",");
    const mark = (col) => {
      if (over === col) return;
      if (over) over.classList.remove("drop-ok", "drop-no");
      over = col;
      if (col && col.dataset.status !== card.dataset.status) {
        col.classList.add(allowed.includes(col.dataset.status) ? "drop-ok" : "drop-no");
      }
    };
    const onMove = (e) => {
      if (!ghost) {
        if (Math.hypot(e.clientX - start.x, e.clientY - start.y) < 6) return;
        ghost = card.cloneNode(true);
        ghost.classList.add("ghost");
        ghost.setAttribute("aria-hidden", "true");
        ghost.style.width = card.offsetWidth + "px";
        document.body.appendChild(ghost);
        card.classList.add("dragging");
        $$(".column[data-status]").forEach((c) => {
          if (c.dataset.status !== card.dataset.status) c.classList.add(allowed.includes(c.dataset.status) ? "can-drop" : "cannot-drop");
        });
      }
      e.preventDefault();
      ghost.style.transform = "translate(" + (e.clientX + 8) + "px," + (e.clientY + 8) + "px)";
      mark(columnAt(e.clientX, e.clientY));
    };
    const onUp = (e) => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onUp);
      if (!ghost) return;
      suppressClick = true;
      setTimeout(() => { suppressClick = false; }, 0);
      ghost.remove();
      card.classList.remove("dragging");
      $$(".column").forEach((c) => c.classList.remove("can-drop", "cannot-drop", "drop-ok", "drop-no"));
      const col = e.type === "pointerup" ? columnAt(e.clientX, e.clientY) : null;
      if (col) moveCard(card, col);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onUp);
  });

  // Shift+←/→ moves a focused card to the neighbouring column.
  function moveByKey(card, step) {
    const cols = $$(".board-row:not(.heads)").find((r) => r.contains(card));
    if (!cols) return;
    const list = $$(".column[data-status]", cols);
    const i = list.findIndex((c) => c.contains(card));
    const target = list[i + step];
    if (target) moveCard(card, target);
  }

  // ---- the graph ----------------------------------------------------------
  // A refresh keeps the graph's element, which keeps its handlers.
  const enhanced = new WeakSet();

  function enableGraph(root) {
    const svg = $("#graph", root);
    if (!svg) return;
    // The zoom buttons act on whichever graph the page shows when clicked.
    $$("[data-zoom]", root).forEach((b) => {
      if (enhanced.has(b)) return;
      enhanced.add(b);
      b.addEventListener("click", () => {
        const g = $("#graph");
        if (g && g.zoomBy) g.zoomBy(b.dataset.zoom);
      });
    });
    if (enhanced.has(svg)) return;
    enhanced.add(svg);
    const full = {
      get w() { return Number(svg.dataset.width); },
      get h() { return Number(svg.dataset.height); },
    };
    const box = () => svg.getAttribute("viewBox").split(/\s+/).map(Number);
    const set = (b) => svg.setAttribute("viewBox", b.map((n) => Math.round(n * 10) / 10).join(" "));
    const zoom = (factor, cx, cy) => {
      const [x, y, w, h] = box();
      const nw = Math.min(Math.max(w * factor, 120), full.w * 4);
      const f = nw / w;
      const px = cx === undefined ? x + w / 2 : cx;
      const py = cy === undefined ? y + h / 2 : cy;
      set([px - (px - x) * f, py - (py - y) * f, w * f, h * f]);
    };
    const toSvg = (e) => {
      const [x, y, w, h] = box();
      const r = svg.getBoundingClientRect();
      return [x + (e.clientX - r.left) * w / r.width, y + (e.clientY - r.top) * h / r.height];
    };
    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [px, py] = toSvg(e);
      zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, px, py);
    }, { passive: false });
    let drag = null;
    svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, moved: false };
    });
    svg.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) { drag.moved = true; svg.setPointerCapture(e.pointerId); svg.classList.add("panning"); }
      const [x, y, w, h] = box();
      const r = svg.getBoundingClientRect();
      set([x - dx * w / r.width, y - dy * h / r.height, w, h]);
      drag.x = e.clientX; drag.y = e.clientY;
    });
    const end = () => {
      if (drag && drag.moved) { suppressClick = true; setTimeout(() => { suppressClick = false; }, 0); }
      drag = null;
      svg.classList.remove("panning");
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.zoomBy = (how) => {
      if (how === "in") zoom(1 / 1.3);
      else if (how === "out") zoom(1.3);
      else set([0, 0, full.w, full.h]);
    };
  }

  function enhance(root) {
    enableGraph(root);
  }

  // ---- keyboard and palette -----------------------------------------------
  function go(path) { location.href = path; }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function toggleTheme() {
    const root = document.documentElement;
    const dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    try { localStorage.setItem("lazypm-theme", root.dataset.theme); } catch (e) { /* session only */ }
  }

  function selectRow(step) {
    const rows = $$("[data-nav-list] [data-key]");
    if (!rows.length) return;
    let i = rows.findIndex((r) => r.classList.contains("selected"));
    if (i >= 0) rows[i].classList.remove("selected");
    i = Math.min(Math.max(i + step, 0), rows.length - 1);
    rows[i].classList.add("selected");
    rows[i].scrollIntoView({ block: "nearest" });
  }

  const places = () => {
    const p = project();
    const list = [];
    if (p) {
      list.push(
        { label: "Go to dashboard", hint: "g d", run: () => go("/p/" + p) },
        { label: "Go to issues", hint: "g i", run: () => go("/p/" + p + "/issues") },
        { label: "Go to board", hint: "g b", run: () => go("/p/" + p + "/board") },
        { label: "Go to dependency graph", hint: "g g", run: () => go("/p/" + p + "/graph") },
        { label: "Go to analytics", hint: "g n", run: () => go("/p/" + p + "/analytics") },
        { label: "Go to archive", hint: "g a", run: () => go("/p/" + p + "/archive") },
        { label: "Create an issue", hint: "c", run: () => go("/p/" + p + "/new") },
        { label: "Blocked issues", hint: "", run: () => go("/p/" + p + "/issues?status=blocked") },
        { label: "Waiting for review", hint: "", run: () => go("/p/" + p + "/issues?status=review") },
      );
    }
    list.push(
      { label: "All projects", hint: "g p", run: () => go("/projects") },
      { label: "Switch light / dark theme", hint: "t", run: toggleTheme },
      { label: "Keyboard shortcuts", hint: "?", run: () => $("#help").showModal() },
    );
    return list;
  };

  let paletteItems = [];
  let paletteIndex = 0;
  let searchTimer = null;

  function drawPalette() {
    const ul = $("#palette-list");
    ul.replaceChildren();
    paletteItems.forEach((item, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === paletteIndex ? "true" : "false");
      const label = document.createElement("span");
      label.textContent = item.label;
      li.appendChild(label);
      if (item.hint) {
        const k = document.createElement("kbd");
        k.textContent = item.hint;
        li.appendChild(k);
      }
      li.addEventListener("click", () => { $("#palette").close(); item.run(); });
      ul.appendChild(li);
    });
  }

  function fillPalette() {
    const q = $("#palette-input").value.trim();
    const lower = q.toLowerCase();
    paletteItems = places().filter((c) => c.label.toLowerCase().includes(lower));
    const key = q.toUpperCase();
    if (/^[A-Z0-9]{1,10}-\d+$/.test(key)) paletteItems.unshift({ label: "Open " + key, hint: "↵", run: () => go("/issues/" + key) });
    else if (/^\d+$/.test(q) && project()) paletteItems.unshift({ label: "Open " + project() + "-" + q, hint: "↵", run: () => go("/issues/" + project() + "-" + q) });
    paletteIndex = 0;
    drawPalette();
    clearTimeout(searchTimer);
    if (q.length >= 2 && project()) {
      searchTimer = setTimeout(async () => {
        const url = "/api/issues/search?limit=8&project_id=" + encodeURIComponent(project()) + "&q=" + encodeURIComponent(q);
        try {
          const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
          if (!res.ok || $("#palette-input").value.trim() !== q) return;
          const body = await res.json();
          (body.hits || []).forEach((h) => paletteItems.push({ label: h.key + "  " + h.title, hint: h.status, run: () => go("/issues/" + h.key) }));
          drawPalette();
        } catch (e) { /* the commands stay */ }
      }, 150);
    }
  }

  function openPalette() {
    const d = $("#palette");
    if (!d || d.open) return;
    $("#palette-input").value = "";
    fillPalette();
    d.showModal();
    $("#palette-input").focus();
  }

  let gPending = false;
  let gTimer = null;
  document.addEventListener("keydown", (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "k") { ev.preventDefault(); openPalette(); return; }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") {
      const f = ev.target.closest && ev.target.closest("form[data-tool]");
      if (f) { ev.preventDefault(); f.requestSubmit(); }
      return;
    }
    if (ev.target.id === "palette-input") {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        paletteIndex = (paletteIndex + (ev.key === "ArrowDown" ? 1 : -1) + paletteItems.length) % Math.max(paletteItems.length, 1);
        drawPalette();
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        const item = paletteItems[paletteIndex];
        $("#palette").close();
        if (item) item.run();
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target) || $("dialog[open]")) return;
    const card = ev.target.closest && ev.target.closest(".kcard");
    if (card && ev.shiftKey && (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) {
      ev.preventDefault();
      moveByKey(card, ev.key === "ArrowLeft" ? -1 : 1);
      return;
    }
    const p = project();
    if (gPending) {
      gPending = false;
      clearTimeout(gTimer);
      const where = { d: "", i: "/issues", b: "/board", g: "/graph", n: "/analytics", a: "/archive" };
      if (ev.key === "p") go("/projects");
      else if (p && ev.key in where) go("/p/" + p + where[ev.key]);
      return;
    }
    switch (ev.key) {
      case "/": { const s = $("#search"); if (s) { ev.preventDefault(); s.focus(); } break; }
      case "c": if (p) go("/p/" + p + "/new"); break;
      case "g": gPending = true; gTimer = setTimeout(() => { gPending = false; }, 1500); break;
      case "?": { const h = $("#help"); if (h) h.showModal(); break; }
      case "t": toggleTheme(); break;
      case "e": { const a = $(".issue-head a[href$='/edit']"); if (a) go(a.getAttribute("href")); break; }
      case "j": selectRow(1); break;
      case "k": selectRow(-1); break;
      case "Enter": {
        const r = $("[data-nav-list] .selected[data-key]");
        if (r) go("/issues/" + r.dataset.key);
        break;
      }
      default: break;
    }
  });

  function init() {
    const on = (id, fn) => { const el = document.getElementById(id); if (el) el.addEventListener("click", fn); };
    on("theme-toggle", toggleTheme);
    on("help-open", () => $("#help").showModal());
    on("palette-open", openPalette);
    const input = $("#palette-input");
    if (input) input.addEventListener("input", fillPalette);
    const main = $("#main");
    if (main) enhance(main);
    connectLive();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
