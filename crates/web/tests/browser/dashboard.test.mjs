// The dashboard in a real browser: Debian's Chromium driven by
// playwright-core, against the real `lazypm serve` on a free loopback port
// over a fresh store, with other processes (`lazypm call`) changing the same
// store the way an agent does. The store is an SQLite file, or, when
// LAZYPM_TEST_DATABASE names a PostgreSQL server, a schema of its own there
// (dropped with psql at the end, when psql is installed).
//
//   LAZYPM_BIN       the lazypm binary (default: target/debug/lazypm)
//   CHROMIUM         the browser (default: /usr/bin/chromium)
//   SCREENSHOT_DIR   where page screenshots go (default: target/screenshots)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");
const BIN = process.env.LAZYPM_BIN || path.join(root, "target/debug/lazypm");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.SCREENSHOT_DIR || path.join(root, "target/screenshots");
const P = "WEB";

const SERVER = /^postgres(ql)?:\/\//.test(process.env.LAZYPM_TEST_DATABASE || "")
  ? process.env.LAZYPM_TEST_DATABASE : null;

let dir, repo, env, server, base, browser, schema;
const foreign = [];
const dialogs = [];
const errors = [];

function lazypm(...args) {
  return execFileSync(BIN, args, { cwd: repo, env, encoding: "utf8" });
}
function call(tool, args) {
  return JSON.parse(lazypm("call", tool, JSON.stringify(args)));
}
function issue(key) {
  return call("pm_get_issue", { issue_key: key }).issue;
}
function create(args) {
  const out = call("pm_create_issue", { project_id: P, type: "feature", ...args });
  return out.issue.key;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "lazypm-browser-"));
  repo = path.join(dir, "repo");
  mkdirSync(repo);
  env = { ...process.env, LAZYPM_DATA_DIR: path.join(dir, "data"), LAZYPM_ACTOR: "agent-7", NO_COLOR: "1" };
  delete env.LAZYPM_PROJECT;
  delete env.LAZYPM_DATABASE_URL;
  if (SERVER) {
    schema = "t_browser_" + process.pid + "_" + Date.now();
    env.LAZYPM_DATABASE_URL = SERVER + (SERVER.includes("?") ? "&" : "?") + "schema=" + schema;
  }
  execFileSync("git", ["init", "-q"], { cwd: repo });
  lazypm("init", "--key", P, "--name", "Browser test");
  server = spawn(BIN, ["serve", "--bind", "127.0.0.1:0"], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
  base = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("lazypm serve did not start: " + out)), 15000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.stderr.on("data", (d) => { out += d; });
    server.on("exit", (code) => reject(new Error("lazypm serve exited " + code + ": " + out)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run"],
  });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (schema) {
    try {
      execFileSync("psql", [SERVER.split("?")[0], "-q", "-c", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`]);
    } catch (e) {
      console.error(`could not drop schema ${schema}: ${e.message}`);
    }
  }
});

/** A page that records requests off the server's origin and any dialog. */
async function open(url, opts = {}) {
  const context = await browser.newContext({ colorScheme: opts.scheme || "light", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(base + "/") && u !== base && !u.startsWith("data:")) foreign.push(u);
  });
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on("pageerror", (e) => errors.push(`${url}: ${e.message}`));
  await page.goto(base + url);
  return page;
}

async function done(page) {
  await page.context().close();
}

test("creating through the form records the web actor", async () => {
  const page = await open(`/p/${P}/new`);
  await page.fill("input[name=title]", "Made in the browser");
  await page.fill("textarea[name=description]", "## Why\n\nPeople plan too.");
  await page.fill("textarea[name=acceptance_criteria]", "shows up, with commas\nkeeps its lines");
  await page.fill("input[name=labels]", "ui, web");
  await page.click("button[type=submit]");
  await page.waitForURL(/\/issues\/WEB-\d+$/);
  const key = page.url().split("/").pop();
  await page.getByRole("heading", { name: "Made in the browser" }).waitFor();
  assert.equal(await page.locator("section[aria-labelledby=desc-h] h2").nth(1).textContent(), "Why");
  const stored = issue(key);
  assert.deepEqual(stored.specification.acceptance_criteria, ["shows up, with commas", "keeps its lines"]);
  assert.deepEqual(stored.labels, ["ui", "web"]);
  const history = call("pm_issue_history", { issue_key: key });
  assert.equal(history.events[0].actor, "web");
  await done(page);
});

test("editing one field leaves the fields the form does not show untouched", async () => {
  const key = create({ title: "Edit me", risks: ["data loss"], stakeholders: ["ops"], owner: "agent-7", labels: ["keep"] });
  const page = await open(`/issues/${key}/edit`);
  await page.fill("input[name=title]", "Edited title");
  await page.click("button[type=submit]");
  await page.waitForURL(new RegExp(`/issues/${key}$`));
  const stored = issue(key);
  assert.equal(stored.title, "Edited title");
  assert.deepEqual(stored.planning.risks, ["data loss"]);
  assert.deepEqual(stored.planning.stakeholders, ["ops"]);
  assert.equal(stored.owner, "agent-7");
  assert.deepEqual(stored.labels, ["keep"]);
  await done(page);
});

test("a concurrent edit ends in a conflict showing both versions, never an overwrite", async () => {
  const key = create({ title: "Contested", description: "original" });
  const page = await open(`/issues/${key}/edit`);
  call("pm_update_issue", { issue_key: key, description: "the agent's text" });
  await page.fill("textarea[name=description]", "the person's text");
  await page.click("button[type=submit]");
  const conflict = page.locator(".conflict");
  await conflict.waitFor({ state: "visible" });
  const text = await conflict.textContent();
  assert.match(text, /changed while you edited/);
  assert.match(text, /the agent's text/);
  assert.match(text, /the person's text/);
  assert.equal(issue(key).specification.description, "the agent's text", "nothing is overwritten silently");
  await conflict.getByRole("button", { name: /Save mine over version/ }).click();
  await page.waitForURL(new RegExp(`/issues/${key}$`));
  assert.equal(issue(key).specification.description, "the person's text");
  assert.equal(issue(key).title, "Contested");
  await done(page);
});

async function drag(page, card, column) {
  const from = await page.locator(card).boundingBox();
  const to = await page.locator(column).first().boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + 12);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 20, from.y + 30, { steps: 4 });
  await page.mouse.move(to.x + to.width / 2, to.y + 40, { steps: 10 });
  await page.mouse.up();
}

test("a legal drag moves the card through the workflow as the web actor", async () => {
  const key = create({ title: "Drag me along" });
  const page = await open(`/p/${P}/board`);
  await drag(page, `.kcard[data-key="${key}"]`, `.column[data-status="in_progress"]`);
  await page.locator(`.column[data-status="in_progress"] .kcard[data-key="${key}"]`).waitFor();
  await page.waitForFunction(() => document.querySelector("#toast.show"));
  const stored = issue(key);
  assert.equal(stored.status, "in_progress");
  const last = call("pm_issue_history", { issue_key: key }).events.filter((e) => e.type === "status_changed").pop();
  assert.equal(last.actor, "web");
  await done(page);
});

test("an illegal drag snaps back and names the allowed states", async () => {
  const key = create({ title: "Cannot jump to done" });
  const page = await open(`/p/${P}/board`);
  await drag(page, `.kcard[data-key="${key}"]`, `.column[data-status="done"]`);
  const toast = page.locator("#toast.error");
  await toast.waitFor();
  const message = await toast.textContent();
  assert.match(message, /in_progress/);
  assert.match(message, /canceled/);
  await page.locator(`.column[data-status="proposed"] .kcard[data-key="${key}"]`).waitFor();
  assert.equal(issue(key).status, "proposed");
  await done(page);
});

test("dropping on blocked asks for the reason and records it", async () => {
  const key = create({ title: "Waiting on a vendor" });
  call("pm_update_status", { issue_key: key, status: "in_progress" });
  const page = await open(`/p/${P}/board`);
  await drag(page, `.kcard[data-key="${key}"]`, `.column[data-status="blocked"]`);
  await page.locator("#ask[open]").waitFor();
  await page.fill("#ask-input", "vendor has not answered");
  await page.click("#ask-ok");
  await page.locator(`.column[data-status="blocked"] .kcard[data-key="${key}"]`).waitFor();
  // The card moves at once; the toast comes when the server has the change.
  await page.locator("#toast.show", { hasText: `${key} moved to blocked` }).waitFor();
  const stored = issue(key);
  assert.equal(stored.status, "blocked");
  assert.equal(stored.blocker_reason, "vendor has not answered");
  await done(page);
});

test("a change made by another process appears in the open dashboard within a second", async () => {
  const page = await open(`/p/${P}`);
  await page.locator("#live.on").waitFor();
  const started = Date.now();
  const key = create({ title: "Appears live" });
  const returned = Date.now();
  await page.locator(`#feed a[href="/issues/${key}"]`).waitFor({ timeout: 5000 });
  const seen = Date.now() - returned;
  console.log(`live: ${key} visible ${seen} ms after lazypm call returned (${returned - started} ms for the call itself)`);
  assert.ok(seen <= 1000, `visible after ${seen} ms`);
  assert.equal(page.url(), base + `/p/${P}`, "no navigation happened");
  await done(page);
});

test("script in titles, descriptions, comments and labels never runs", async () => {
  const payloads = [
    "<script>window.__xss = 1; alert(1)</script>",
    "<img src=x onerror=\"window.__xss = 2; alert(2)\">",
    "[click me](javascript:window.__xss=3)",
    "<svg onload=\"window.__xss = 4\"></svg>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "\"><script>window.__xss = 5</script>",
    "[a](  javascript:alert(6))",
    "![x](https://evil.example/pixel.png)",
    "<a href=\"data:text/html,<script>alert(7)</script>\">data</a>",
  ];
  const keys = payloads.map((p, i) => create({
    title: `xss ${i} ${p}`,
    description: `Payload: ${p}`,
    technical_approach: p,
    labels: [`l${i}<b onmouseover=alert(1)>`],
    acceptance_criteria: [p],
  }));
  for (const [i, key] of keys.entries()) call("pm_add_comment", { issue_key: key, body: payloads[i] });
  call("pm_link_issues", { issue_key: keys[0], target_key: keys[1], kind: "blocks" });
  const pages = [`/p/${P}`, `/p/${P}/issues`, `/p/${P}/issues?q=xss`, `/p/${P}/board`, `/p/${P}/graph`,
    ...keys.map((k) => `/issues/${k}`), `/issues/${keys[0]}/edit`];
  const page = await open(pages[0]);
  for (const url of pages) {
    await page.goto(base + url);
    await page.waitForLoadState("load");
    for (const a of await page.locator("#main a[href^='javascript:'], #main a[href^='data:']").all()) {
      assert.fail(`a script link survived on ${url}: ${await a.getAttribute("href")}`);
    }
    assert.equal(await page.locator("#main iframe, #main script, #main svg[onload]").count(), 0, url);
    assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${url}`);
  }
  assert.deepEqual(dialogs, [], "no dialog opened");
  await done(page);
});

test("the keyboard reaches everything", async () => {
  const key = create({ title: "Find me by keyboard" });
  const page = await open(`/p/${P}`);
  await page.keyboard.press("g");
  await page.keyboard.press("b");
  await page.waitForURL(/\/board$/);
  await page.keyboard.press("?");
  await page.locator("#help[open]").waitFor();
  await page.keyboard.press("Escape");
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "search");
  await page.keyboard.press("Control+k");
  await page.locator("#palette[open]").waitFor();
  await page.keyboard.type(key);
  await page.keyboard.press("Enter");
  await page.waitForURL(new RegExp(`/issues/${key}$`));
  await page.keyboard.press("e");
  await page.waitForURL(new RegExp(`/issues/${key}/edit$`));
  await page.goto(base + `/p/${P}/issues`);
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/issues\/WEB-\d+$/);
  await page.keyboard.press("c");
  await page.waitForURL(/\/new$/);
  await done(page);
});

test("ticking a checklist item and commenting work from the issue page", async () => {
  const key = create({ title: "Has a checklist" });
  call("pm_create_task", { issue_key: key, title: "Steps", checklist: ["first", "second"] });
  const page = await open(`/issues/${key}`);
  // The page refreshes after the change: click, then wait for the new state.
  // Every toast shown is recorded as it appears: a live update may replace
  // the toast before a poll would see it.
  await page.evaluate(() => {
    window.toasts = [];
    new MutationObserver(() => {
      const t = document.querySelector("#toast.show");
      if (t && window.toasts.at(-1) !== t.textContent) window.toasts.push(t.textContent);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  // A comment half written when the item is ticked survives the page's
  // refresh after the tick: the refresh patches the page, it does not
  // replace the comment box.
  const box = page.locator("#comment-form textarea[name=body]");
  await box.fill("Looks **right** to me");
  await page.locator('input[data-item="2"]').click();
  await page.waitForFunction(() => document.querySelector('input[data-item="2"]')?.checked === true);
  await page.waitForFunction(() => window.toasts.includes("Checklist updated"));
  await page.waitForFunction(() => document.querySelector(".task")?.textContent.includes("1/2"));
  assert.equal(await box.inputValue(), "Looks **right** to me");
  await page.click("#comment-form button");
  await page.locator(".comment strong", { hasText: "right" }).waitFor();
  const d = call("pm_get_issue", { issue_key: key });
  assert.deepEqual(d.tasks[0].checklist.map((c) => c.done), [false, true]);
  assert.equal(d.comments[0].author, "web");
  await done(page);
});

const CHARTS = ["burndown", "forecast", "velocity", "cfd", "cycle-time", "accuracy", "capacity"];

async function charts(page) {
  return page.$$eval("figure.chart", (figs) => figs.map((f) => ({
    kind: f.dataset.chart,
    points: Number(f.dataset.points),
    svg: !!f.querySelector("svg[role=img] title"),
    empty: f.querySelector(".chart-empty")?.textContent || "",
  })));
}

test("each analytics chart draws with data and says why when there is none", async () => {
  // An empty project: every chart explains what it needs.
  const other = path.join(dir, "empty-repo");
  mkdirSync(other);
  execFileSync(BIN, ["init", "--key", "EMPTY", "--name", "Nothing yet"], { cwd: other, env, encoding: "utf8" });
  let page = await open("/p/EMPTY/analytics");
  const none = await charts(page);
  assert.deepEqual(none.map((c) => c.kind), CHARTS);
  for (const c of none) {
    assert.equal(c.points, 0, `${c.kind} has no points`);
    assert.ok(c.empty.length > 10, `${c.kind} says why it is empty`);
  }
  await done(page);

  // Data for every chart: a running sprint, estimated work done with its
  // time, open owned work.
  const today = new Date();
  const day = (n) => new Date(today.getTime() + n * 86400000).toISOString().slice(0, 10);
  call("pm_create_sprint", { project_id: P, name: "Charts", start_date: day(-3), end_date: day(4) });
  const keys = [];
  for (const [title, hours] of [["Chart one", 2], ["Chart two", 4], ["Chart three", 3]]) {
    keys.push(create({ title, estimate_hours: hours, story_points: hours, owner: "agent-7" }));
  }
  call("pm_add_to_sprint", { project_id: P, sprint: "Charts", issue_keys: keys });
  for (const [key, actual] of [[keys[0], "3h"], [keys[1], "4h"]]) {
    call("pm_start_work", { issue_key: key });
    call("pm_complete_issue", { issue_key: key, actual_time: actual });
  }
  call("pm_start_work", { issue_key: keys[2] });
  page = await open(`/p/${P}/analytics`);
  const drawn = await charts(page);
  assert.deepEqual(drawn.map((c) => c.kind), CHARTS);
  for (const c of drawn) {
    assert.ok(c.points > 0, `${c.kind} draws its data (${c.points} points)`);
    assert.ok(c.svg, `${c.kind} is an accessible image with a title`);
    assert.equal(c.empty, "", `${c.kind} shows no empty message`);
  }
  // The burndown's remaining line ends at the 3 points not yet done.
  const tips = await page.$$eval("figure[data-chart=burndown] title", (t) => t.map((x) => x.textContent));
  assert.ok(tips.some((t) => /remaining/.test(t) && /\b3\b/.test(t)), tips.join(" | "));
  await page.screenshot({ path: path.join(SHOTS, "analytics-data-light.png"), fullPage: true });
  await done(page);
});

test("every page fits in 200 KB, loads nothing from elsewhere, and is photographed light and dark", async () => {
  const key = create({ title: "Photogenic", description: "# Spec\n\n- [x] one\n- [ ] two\n\n```rust\nfn main() {}\n```" });
  call("pm_link_issues", { issue_key: key, target_key: `${P}-1`, kind: "blocks" });
  const urls = { projects: "/projects", dashboard: `/p/${P}`, issues: `/p/${P}/issues?status=all`, board: `/p/${P}/board`,
    lanes: `/p/${P}/board?lanes=owner`, graph: `/p/${P}/graph`, analytics: `/p/${P}/analytics`, archive: `/p/${P}/archive`, create: `/p/${P}/new`,
    detail: `/issues/${key}`, edit: `/issues/${key}/edit`, search: `/p/${P}/issues?q=photogenic` };
  for (const scheme of ["light", "dark"]) {
    const page = await open("/projects", { scheme });
    for (const [name, url] of Object.entries(urls)) {
      let bytes = 0;
      const sizes = [];
      const onResponse = async (r) => {
        try { const n = (await r.body()).length; bytes += n; sizes.push(n); } catch { /* redirects have no body */ }
      };
      page.on("response", onResponse);
      // The live feed keeps a connection open, so "network idle" never comes.
      await page.goto(base + url, { waitUntil: "load" });
      await page.waitForTimeout(300);
      page.off("response", onResponse);
      if (scheme === "light") console.log(`size: ${name} ${(bytes / 1024).toFixed(1)} KB in ${sizes.length} responses`);
      assert.ok(bytes <= 200 * 1024, `${name} transferred ${bytes} bytes`);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + `/p/${P}/board`);
    await page.screenshot({ path: path.join(SHOTS, `board-phone-${scheme}.png`) });
    await done(page);
  }
  assert.deepEqual(foreign, [], "no request left the server's origin");
  assert.deepEqual(errors, [], "no script error on any page");
});
