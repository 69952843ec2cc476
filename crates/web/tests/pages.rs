//! The dashboard pages over real HTTP: the real server on a free loopback
//! port with a real SQLite store, seeded through the service's tools.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use lazypm_service::{Context, EventSink, Service};
use lazypm_web::{Server, Token, WebConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

struct Running {
    dir: lazypm_testkit::TestDir,
    base: String,
    svc: Service,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A response read whole.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// The server with project APP ("Demo App"), optionally behind a token.
async fn start(token: Option<&str>) -> Running {
    let dir = lazypm_testkit::TestDir::new();
    let store = lazypm_service::open_store(dir.url()).await.unwrap();
    let events = EventSink::new(dir.path().join("events.jsonl"));
    let svc = Service::open(store, events, Context::default())
        .await
        .unwrap();
    let config = WebConfig {
        bind: "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        token: token.and_then(Token::parse),
        selection: lazypm_mcp::Selection::default(),
    };
    let server = Server::bind(svc.clone(), config).await.unwrap();
    let base = format!("http://{}", server.addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let s = Running {
        dir,
        base,
        svc,
        client,
        stop: Some(stop),
    };
    s.project("APP", "Demo App").await;
    s
}

impl Running {
    async fn project(&self, key: &str, name: &str) {
        let path = self.dir.path().join(key.to_lowercase());
        std::fs::create_dir_all(&path).unwrap();
        let path = path.to_str().unwrap();
        let args = json!({"path": path, "key": key, "name": name});
        self.call("pm_init_project", args).await;
    }

    async fn call(&self, tool: &str, args: Value) -> Value {
        self.svc
            .call(tool, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{tool} {args}: {e}"))
    }

    /// Creates an issue in APP and returns its key.
    async fn issue(&self, mut args: Value) -> String {
        args["project_id"] = json!("APP");
        if args.get("type").is_none() {
            args["type"] = json!("feature");
        }
        let out = self.call("pm_create_issue", args).await;
        out["issue"]["key"].as_str().unwrap().to_string()
    }

    /// Moves an issue through the workflow, one status after another.
    async fn walk(&self, key: &str, statuses: &[&str]) {
        for status in statuses {
            let args = json!({"issue_key": key, "status": status, "validate_dependencies": false});
            self.call("pm_update_status", args).await;
        }
    }

    async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        Page {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[("accept", "text/html")]).await
    }

    /// A page that must be a full 200 HTML page with the security headers.
    async fn page(&self, path: &str) -> String {
        let p = self.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        assert!(p.header("content-type").starts_with("text/html"), "{path}");
        let csp = p.header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(p.body.contains("<main id=\"main\">"), "{path}");
        p.body
    }
}

/// Assertions on a page's markup that print the page when they fail.
trait Markup {
    fn shows(&self, part: &str) -> &Self;
    fn lacks(&self, part: &str) -> &Self;
}

impl Markup for str {
    #[track_caller]
    fn shows(&self, part: &str) -> &Self {
        assert!(self.contains(part), "lacks {part}:\n{self}");
        self
    }

    #[track_caller]
    fn lacks(&self, part: &str) -> &Self {
        assert!(!self.contains(part), "has {part}:\n{self}");
        self
    }
}

/// The keys of the rows of an issue table, in order.
fn rows(body: &str) -> Vec<String> {
    body.split("<tr data-key=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// The `href` of the link marked `rel="next"`, `&` unescaped as a browser does.
fn next_link(body: &str) -> Option<String> {
    let at = body.find("\" rel=\"next\"")?;
    let start = body[..at].rfind("href=\"")? + "href=\"".len();
    Some(body[start..at].replace("&#38;", "&").replace("&amp;", "&"))
}

/// The markup from `start` up to (not including) the next `end`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).unwrap_or_else(|| panic!("no {start}"));
    let rest = &body[from + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The markup of one column of the board.
fn column<'a>(body: &'a str, status: &str) -> &'a str {
    let open = format!("<div class=\"column\" data-status=\"{status}\"");
    between(body, &open, "<div class=\"column\"")
}

/// The opening tag of the graph node for `key`.
fn node<'a>(body: &'a str, key: &str) -> &'a str {
    let open = format!("<a href=\"/issues/{key}\" class=\"node");
    between(body, &open, ">")
}

/// A page's text with the entities templates write decoded: for checking
/// that hostile text is shown rather than dropped.
fn decoded(body: &str) -> String {
    let numeric = [("#34", "\""), ("#39", "'"), ("#60", "<"), ("#62", ">")];
    let named = [("quot", "\""), ("lt", "<"), ("gt", ">"), ("#38", "&")];
    let all = numeric.iter().chain(&named).chain(&[("amp", "&")]);
    let decode = |text: String, (e, c): &(&str, &str)| text.replace(&format!("&{e};"), c);
    all.fold(body.to_string(), decode)
}

/// Asserts no markup an attacker wrote survived as markup. Text holds no raw
/// `<`, so every `<` opens a real tag: outside its quoted values it must have
/// no event handler, inside them no `javascript:` link, and scripts are ours.
fn assert_inert(path: &str, body: &str) {
    for bad in ["<script>alert", "<iframe", "<svg onload", "<img src=x"] {
        assert!(!body.contains(bad), "{path}: {bad} survived");
    }
    for tag in body.split('<').skip(1) {
        let tag = tag[..tag.find('>').unwrap_or(tag.len())].to_ascii_lowercase();
        for (i, part) in tag.split('"').enumerate() {
            let handler = part.contains("onerror") || part.contains("onload");
            let js = part.trim_start().starts_with("javascript:");
            assert!(if i % 2 == 0 { !handler } else { !js }, "{path}: <{tag}>");
        }
        let ours = tag.starts_with("script src=\"/assets/") || tag.starts_with("script>");
        assert!(!tag.starts_with("script") || ours, "{path}: <{tag}>");
    }
}

const STATUSES: &str = "proposed,in_progress,review,blocked,done,canceled";

#[tokio::test]
async fn every_page_shows_its_content_with_the_security_headers() {
    let s = start(None).await;
    let desc = "# Heading\n\nSome *text*.";
    s.issue(json!({"title": "Parse the config", "description": desc,
        "acceptance_criteria": ["Reads TOML files"], "labels": ["cli"], "module": "core"}))
        .await;
    s.issue(json!({"title": "Crash on start", "dependencies": ["APP-1"]}))
        .await;
    s.issue(json!({"title": "Ship it", "dependencies": ["APP-2"]}))
        .await;
    s.issue(json!({"title": "Old chore"})).await;
    s.walk("APP-2", &["in_progress"]).await;
    s.walk("APP-4", &["canceled"]).await;
    let archive = json!({"issue_key": "APP-4", "archived": true});
    s.call("pm_update_issue", archive).await;
    let task = json!({"issue_key": "APP-1", "title": "Write the parser",
        "checklist": ["lexer", "grammar"]});
    s.call("pm_create_task", task).await;
    let comment = json!({"issue_key": "APP-2", "body": "Seen on **macOS**"});
    s.call("pm_add_comment", comment).await;

    let projects = s.page("/projects").await;
    projects.shows("href=\"/p/APP\"").shows("Demo App");
    let dash = s.page("/p/APP").await;
    dash.shows("Demo App <span class=\"key\">APP</span>")
        .shows("<a href=\"/issues/APP-3\">APP-3</a>");

    let list = s.page("/p/APP/issues").await;
    assert_eq!(rows(&list), ["APP-1", "APP-2", "APP-3"]);
    list.shows("Parse the config")
        .shows("<span class=\"label\">cli</span>");

    let board = s.page("/p/APP/board").await;
    for st in STATUSES.split(',') {
        let open = format!("<div class=\"column\" data-status=\"{st}\"");
        assert_eq!(board.matches(&open).count(), 1, "{st} column");
    }
    column(&board, "proposed")
        .shows("data-key=\"APP-1\"")
        .lacks("data-key=\"APP-2\"");
    column(&board, "in_progress").shows("data-key=\"APP-2\"");
    let lanes = s.page("/p/APP/board?lanes=module").await;
    lanes.shows("<h2 class=\"lane-name\">core");

    let detail = s.page("/issues/APP-1").await;
    detail
        .shows("<h1>Parse the config</h1>")
        .shows("<h1>Heading</h1>")
        .shows("<em>text</em>")
        .shows("<li>Reads TOML files</li>")
        .shows("APP-1-T1</span> Write the parser")
        .shows("<span>lexer</span>")
        .shows("<span>grammar</span>")
        .shows("title=\"Nothing open blocks it\">ready");
    between(&detail, "<h3>Blocks</h3>", "</ul>")
        .shows("href=\"/issues/APP-2\">APP-2</a> Crash on start");
    let second = s.page("/issues/APP-2").await;
    second.shows("Seen on <strong>macOS</strong>");
    between(&second, "<h3>Depends on</h3>", "</ul>")
        .shows("href=\"/issues/APP-1\">APP-1</a> Parse the config");

    let got = s.call("pm_get_issue", json!({"issue_key": "APP-1"})).await;
    let version = format!("name=\"version\" value=\"{}\"", got["issue"]["version"]);
    let edit = s.page("/issues/APP-1/edit").await;
    edit.shows(&version)
        .shows("value=\"Parse the config\"")
        .shows("# Heading");
    let new = s.page("/p/APP/new").await;
    new.shows("data-tool=\"pm_create_issue\"")
        .shows("name=\"project_id\" value=\"APP\"");
    assert_eq!(rows(&s.page("/p/APP/archive").await), ["APP-4"]);

    let graph = s.page("/p/APP/graph").await;
    node(&graph, "APP-1").shows(" ready");
    node(&graph, "APP-2").lacks(" ready");
    node(&graph, "APP-3").lacks(" ready");
    graph.lacks("data-key=\"APP-4\"");
    let path = between(&graph, "<p class=\"path\">", "</p>");
    let at = |k: &str| path.find(&format!(">{k}</a>")).expect(k);
    assert!(
        at("APP-1") < at("APP-2") && at("APP-2") < at("APP-3"),
        "{path}"
    );
}

#[tokio::test]
async fn text_from_users_and_agents_never_becomes_markup() {
    let s = start(None).await;
    // Markdown gets a paragraph each: a line opening with HTML is a raw block.
    let evil = "[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n\
        <script>alert(1)</script>\n\n<svg onload=alert(1)>\n\n\
        <iframe src=\"//evil.example\"></iframe>";
    let (script, img) = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>");
    let title = "\"><script>alert(2)</script>";
    s.issue(json!({"title": title, "description": evil,
        "acceptance_criteria": [evil], "technical_approach": evil, "risks": [evil],
        "labels": [script, img], "module": "<svg onload=alert(1)>", "owner": img}))
        .await;
    let iframe = "<iframe src=\"//evil.example\">";
    s.issue(json!({"title": iframe, "dependencies": ["APP-1"]}))
        .await;
    let task = json!({"title": evil, "details": evil, "checklist": [evil]});
    let log = json!({"activity": "code", "summary": evil, "details": evil});
    let block = json!({"status": "blocked", "blocker_reason": evil});
    for (tool, mut args) in [
        ("pm_add_comment", json!({"body": evil})),
        ("pm_create_task", task),
        ("pm_log_work", log),
        ("pm_update_status", json!({"status": "in_progress"})),
        ("pm_update_status", block),
    ] {
        args["issue_key"] = json!("APP-1");
        s.call(tool, args).await;
    }

    let pages = "/p/APP /projects /p/APP/issues?status=all /p/APP/issues?q=alert \
        /p/APP/issues?q=click /p/APP/board /p/APP/board?lanes=module /p/APP/board?lanes=owner \
        /p/APP/graph /issues/APP-1 /issues/APP-1/edit /issues/APP-2";
    for path in pages.split_whitespace() {
        assert_inert(path, &s.page(path).await);
    }
    // The text is shown, escaped, rather than dropped.
    let list = decoded(&s.page("/p/APP/issues?status=all").await);
    list.shows(title).shows("<svg onload=alert(1)>");
    s.page("/p/APP/issues?q=alert").await.shows("<mark>");
    decoded(&s.page("/p/APP/graph").await).shows(iframe);
    let detail = s.page("/issues/APP-1").await;
    decoded(&detail).shows(img).shows(script);
    detail.shows(">click</a>");
}

#[tokio::test]
async fn the_issue_list_filters_excludes_and_searches() {
    let s = start(None).await;
    let desc = "The gadget frobnicates the frame.";
    s.issue(json!({"title": "Alpha widget", "priority": "P1"}))
        .await;
    s.issue(json!({"title": "Beta gadget", "priority": "P2", "description": desc}))
        .await;
    s.issue(json!({"title": "Gamma thing", "priority": "P3"}))
        .await;
    s.walk("APP-2", &["in_progress"]).await;
    s.walk("APP-3", &["in_progress", "review", "done"]).await;

    let s = &s;
    let list = |q: String| async move { rows(&s.page(&format!("/p/APP/issues?{q}")).await) };
    let (one, two, three) = ("APP-1", "APP-2", "APP-3");
    for (query, shown) in [
        ("", vec![one, two]),
        ("status=all", vec![one, two, three]),
        ("status=all&exclude=done", vec![one, two]),
        ("status=!done", vec![one, two]),
        ("status=proposed&status=done", vec![one, three]),
        ("status=in_progress,done", vec![two, three]),
        ("status=all&priority=P1", vec![one]),
        ("status=all&priority=P2,P3", vec![two, three]),
        (&format!("status=all&exclude={STATUSES}"), vec![]),
    ] {
        assert_eq!(list(query.to_string()).await, shown, "?{query}");
    }
    let hidden = format!("/p/APP/issues?status=all&exclude={STATUSES}");
    s.page(&hidden).await.shows("Every status is hidden");

    let found = s.page("/p/APP/issues?q=gadget").await;
    found.to_lowercase().shows("<mark>gadget</mark>");
    found
        .shows("<li data-key=\"APP-2\">")
        .lacks("<li data-key=\"APP-1\">");
}

#[tokio::test]
async fn a_long_list_pages_by_cursor() {
    let s = start(None).await;
    for n in 0..60 {
        s.issue(json!({"title": format!("Item {n}")})).await;
    }
    let first = s.page("/p/APP/issues").await;
    let page_one = rows(first.shows("Next page"));
    assert_eq!(page_one.len(), 50);
    let next = next_link(&first).expect("a next link");
    assert!(next.starts_with("/p/APP/issues?"), "{next}");
    next.shows("&cursor=");
    let second = s.page(&next).await;
    let page_two = rows(second.shows("First page"));
    assert_eq!(page_two.len(), 10);
    assert_eq!(next_link(&second), None);
    let mut all: Vec<_> = page_one.into_iter().chain(page_two).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 60, "the pages overlap");
}

#[tokio::test]
async fn fragment_requests_get_only_the_main_content() {
    let s = start(None).await;
    s.issue(json!({"title": "Fragmented"})).await;
    let fragment = [("accept", "text/html"), ("x-fragment", "1")];
    for (path, inner) in [
        ("/p/APP/issues", "<h1>Issues</h1>"),
        ("/p/APP/board", "<h1>Board</h1>"),
        ("/p/APP", "Demo App"),
        ("/issues/APP-1", "<h1>Fragmented</h1>"),
    ] {
        let p = s.get_with(path, &fragment).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        p.body.shows(inner).lacks("<html").lacks("<main");
        p.body.lacks("<header class=\"top\"").lacks("/assets/");
    }
}

#[tokio::test]
async fn bad_requests_get_pages_that_say_what_is_wrong() {
    let s = start(None).await;
    let (missing, invalid) = (StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY);
    for (path, status, words) in [
        ("/issues/APP-99", missing, "APP-99"),
        ("/p/NOPE", missing, "NOPE"),
        ("/p/APP/issues?priority=P9", invalid, "priority P9 P1"),
        (
            "/p/APP/issues?status=finished",
            invalid,
            "status in_progress",
        ),
    ] {
        let p = s.get(path).await;
        assert_eq!(p.status, status, "{path}");
        assert!(p.header("content-type").starts_with("text/html"), "{path}");
        for word in words.split(' ') {
            p.body.shows(word);
        }
    }
}

#[tokio::test]
async fn a_token_sends_browsers_to_the_login_page() {
    let s = start(Some("secret")).await;
    let away = s.get("/p/APP").await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(away.header("location"), "/login?next=%2Fp%2FAPP");
    let json = [("accept", "application/json")];
    let api = s.get_with("/p/APP", &json).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);

    let cookie = |c: &'static str| [("accept", "text/html"), ("cookie", c)];
    let both = cookie("theme=dark; lazypm_session=secret");
    let dash = s.get_with("/p/APP", &both).await;
    assert_eq!(dash.status, StatusCode::OK);
    dash.body.shows("Demo App");
    let wrong = s.get_with("/p/APP", &cookie("lazypm_session=nope")).await;
    assert_eq!(wrong.status, StatusCode::SEE_OTHER);

    assert_eq!(s.get("/assets/app.css").await.status, StatusCode::OK);
    let login = s.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    login
        .body
        .shows("id=\"login-form\"")
        .shows("type=\"password\"");

    let open = start(None).await;
    let login = open.get("/login").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.header("location"), "/");
}

#[tokio::test]
async fn home_is_the_only_project_or_the_overview() {
    let s = start(None).await;
    let home = s.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.header("location"), "/p/APP");

    s.project("OTH", "Other Thing").await;
    let home = s.page("/").await;
    for (key, name) in [("APP", "Demo App"), ("OTH", "Other Thing")] {
        let card = format!("<a class=\"card project\" href=\"/p/{key}\">");
        home.shows(&card).shows(name);
    }
}

#[tokio::test]
async fn assets_are_typed_cached_and_linked_by_version() {
    let s = start(None).await;
    for (file, kind) in [
        ("app.css", "text/css"),
        ("app.js", "text/javascript"),
        ("theme.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let a = s.get(&format!("/assets/{file}")).await;
        assert_eq!(a.status, StatusCode::OK, "{file}");
        assert!(a.header("content-type").starts_with(kind), "{file}");
        assert!(!a.body.is_empty(), "{file}");
        let cache = a.header("cache-control");
        cache.shows("max-age=31536000").shows("immutable");
    }
    let none = s.get("/assets/nope.css").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    let page = s.page("/p/APP").await;
    let version = between(&page, "/assets/app.css?v=", "\"");
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()) && !version.is_empty());
    for file in ["app.js", "theme.js", "favicon.svg"] {
        page.shows(&format!("/assets/{file}?v={version}\""));
    }
}
