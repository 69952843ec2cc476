//! The REST API, live events and MCP over HTTP against the real server on a
//! free loopback port, with a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lazypm_service::{Context, EventSink, Service};
use lazypm_web::{Server, Token, WebConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Running {
    _dir: lazypm_testkit::TestDir,
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    db: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn service(db: &str, events: &std::path::Path) -> Service {
    let store = lazypm_store_open(db).await;
    Service::open(
        store,
        EventSink::new(events),
        Context {
            actor: String::new(),
            ..Context::default()
        },
    )
    .await
    .unwrap()
}

async fn lazypm_store_open(db: &str) -> Arc<dyn lazypm_store::Store> {
    lazypm_service::open_store(db).await.unwrap()
}

async fn start(bind: &str, token: Option<&str>) -> Running {
    let dir = lazypm_testkit::TestDir::new();
    let db = dir.url().to_string();
    let project = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    let svc = service(&db, &dir.path().join("events.jsonl")).await;
    svc.call(
        "pm_init_project",
        json!({"path": project.to_str().unwrap(), "key": "APP"}),
    )
    .await
    .unwrap();
    let config = WebConfig {
        bind: bind.parse::<SocketAddr>().unwrap(),
        token: token.and_then(Token::parse),
        selection: lazypm_mcp::Selection::default(),
    };
    let server = Server::bind(svc.clone(), config).await.unwrap();
    let base = format!("http://{}", server.addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running {
        _dir: dir,
        base,
        stop: Some(stop),
        db,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn issues_their_parts_and_every_error_status() {
    let s = start("127.0.0.1:0", None).await;
    let c = client();
    let url = |p: &str| format!("{}{p}", s.base);

    let (st, health) = json_of(c.get(url("/api/health")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(health["status"], "ok");

    let (st, created) = json_of(
        c.post(url("/api/issues"))
            .json(&json!({"type": "feature", "title": "Parse config", "labels": "cli,toml"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let key = created["issue"]["key"].as_str().unwrap().to_string();
    let (_, second) = json_of(
        c.post(url("/api/issues"))
            .json(&json!({"type": "bug", "title": "Crash", "dependencies": [key]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let blocked = second["issue"]["key"].as_str().unwrap().to_string();

    // Filters as MCP takes them, several statuses at once, and `q`.
    let (st, listed) = json_of(
        c.get(url("/api/issues?status=open&label=cli"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(listed["issues"].as_array().unwrap().len(), 1, "{listed}");
    let (_, found) = json_of(c.get(url("/api/issues?q=crash")).send().await.unwrap()).await;
    assert_eq!(found["hits"][0]["key"], blocked.as_str());
    let (st, _) = json_of(c.get(url("/api/issues/search")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    let (st, one) = json_of(
        c.get(url(&format!("/api/issues/{blocked}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(one["depends_on"][0]["key"], key.as_str());
    let (_, deps) = json_of(
        c.get(url(&format!("/api/issues/{blocked}/dependencies")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(deps["ready"], false);

    // A stale version is 409 with the current one; nothing changes.
    let (st, ok) = json_of(
        c.patch(url(&format!("/api/issues/{key}")))
            .json(&json!({"version": 1, "title": "Parse the config"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{ok}");
    let (st, stale) = json_of(
        c.patch(url(&format!("/api/issues/{key}")))
            .json(&json!({"version": 1, "title": "Lost"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{stale}");
    assert_eq!(stale["error"]["code"], "conflict");
    assert_eq!(stale["error"]["current_version"], 2);
    assert_eq!(stale["error"]["current"]["title"], "Parse the config");

    // The workflow holds: an illegal move names the allowed ones; blockers refuse.
    let (st, illegal) = json_of(
        c.post(url(&format!("/api/issues/{key}/transitions")))
            .json(&json!({"status": "done"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(illegal["error"]["field"], "status");
    assert!(
        illegal["error"]["message"]
            .as_str()
            .unwrap()
            .contains("in_progress")
    );
    let (st, _) = json_of(
        c.post(url(&format!("/api/issues/{blocked}/transitions")))
            .json(&json!({"status": "in_progress"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // Tasks, work logs, comments, links, history: each through its operation.
    let (st, task) = json_of(
        c.post(url(&format!("/api/issues/{key}/tasks")))
            .json(&json!({"title": "Read the file"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{task}");
    let task_key = task["task"]["key"].as_str().unwrap().to_string();
    let (st, _) = json_of(
        c.patch(url(&format!("/api/tasks/{task_key}")))
            .json(&json!({"status": "done"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = json_of(
        c.post(url(&format!("/api/issues/{key}/worklogs")))
            .json(&json!({"activity": "code", "summary": "parser", "time_spent": "1h"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = json_of(
        c.post(url(&format!("/api/issues/{key}/comments")))
            .json(&json!({"body": "**looks** good"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, logs) = json_of(
        c.get(url(&format!("/api/issues/{key}/worklogs")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(logs["work_logs"][0]["minutes"], 60);
    let (_, comments) = json_of(
        c.get(url(&format!("/api/issues/{key}/comments")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(comments["comments"][0]["body"], "**looks** good");
    let (st, _) = json_of(
        c.delete(url(&format!("/api/issues/{blocked}/dependencies/{key}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, history) = json_of(
        c.get(url(&format!("/api/issues/{key}/history?limit=2")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(history["events"].as_array().unwrap().len(), 2);
    assert!(history["next_cursor"].is_string());
    let web_actor = history["events"][0]["actor"].as_str().unwrap().to_string();
    assert_eq!(web_actor, "web");

    // Every error status the API gives, with the error body.
    let (st, e) = json_of(c.get(url("/api/issues/APP-99")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "not_found");
    let (st, e) = json_of(
        c.post(url("/api/issues"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    let (st, e) = json_of(
        c.post(url("/api/issues"))
            .json(&json!({"type": "feature", "title": "x", "colour": "red"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["field"], "colour");
    let (st, _) = json_of(
        c.delete(url(&format!("/api/issues/{blocked}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "confirm is required");
    let (st, _) = json_of(
        c.delete(url(&format!("/api/issues/{blocked}?confirm=true")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = json_of(c.get(url("/api/nothing-here")).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_operation_runs_by_name_and_the_openapi_document_covers_it() {
    let s = start("127.0.0.1:0", None).await;
    let c = client();
    let (_, tools) = json_of(c.get(format!("{}/api/tools", s.base)).send().await.unwrap()).await;
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), lazypm_service::OPERATIONS.len());
    let (st, out) = json_of(
        c.post(format!("{}/api/tools/pm_status", s.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(out["project"], "APP");
    // The original system's names work here too.
    let (st, _) = json_of(
        c.post(format!("{}/api/tools/pm_dashboard", s.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = json_of(
        c.post(format!("{}/api/tools/pm_nope", s.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, doc) = json_of(
        c.get(format!("{}/api/openapi.json", s.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for name in &names {
        assert!(paths.contains_key(&format!("/api/tools/{name}")), "{name}");
    }
    for p in [
        "/api/issues",
        "/api/issues/{key}",
        "/api/events",
        "/api/health",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    // Schemas are self-contained: no reference points outside components.
    let text = doc.to_string();
    assert!(!text.contains("#/$defs/"), "inlined schemas only");
    let create = &doc["paths"]["/api/issues"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert!(create["properties"]["title"].is_object(), "{create}");
}

#[tokio::test]
async fn who_may_call_and_from_where() {
    // Off loopback, a token is required before anything listens.
    let config = WebConfig {
        bind: "0.0.0.0:0".parse().unwrap(),
        token: None,
        selection: lazypm_mcp::Selection::default(),
    };
    let dir = lazypm_testkit::TestDir::new();
    let svc = service(dir.url(), &dir.path().join("events.jsonl")).await;
    let refused = Server::bind(svc, config).await;
    assert!(matches!(
        refused,
        Err(lazypm_web::WebError::TokenRequired(_))
    ));

    let s = start("127.0.0.1:0", Some("ci-bot=s3cret")).await;
    let c = client();
    let issues = format!("{}/api/issues", s.base);
    assert_eq!(
        c.get(&issues).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get(&issues)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get(format!("{}/api/health", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "health needs no token"
    );
    let (st, made) = json_of(
        c.post(&issues)
            .bearer_auth("s3cret")
            .json(&json!({"type": "chore", "title": "By token"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    // The token's name is the actor.
    let key = made["issue"]["key"].as_str().unwrap();
    let (_, h) = json_of(
        c.get(format!("{}/api/issues/{key}/history", s.base))
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(h["events"][0]["actor"], "ci-bot");
    // A browser logs in once: the cookie then stands for the token.
    let r = c
        .post(format!("{}/api/login", s.base))
        .json(&json!({"token": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .post(format!("{}/api/login", s.base))
        .json(&json!({"token": "s3cret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let r = c
        .get(&issues)
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A page of another site cannot change anything (CSRF).
    let r = c
        .post(&issues)
        .bearer_auth("s3cret")
        .header("origin", "http://evil.example")
        .json(&json!({"type": "chore", "title": "forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // DNS rebinding: a foreign Host is refused.
    let r = c
        .get(&issues)
        .bearer_auth("s3cret")
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Security headers on every response.
    let r = c
        .get(format!("{}/api/health", s.base))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_change_by_another_process_arrives_as_a_live_event_within_a_second() {
    let s = start("127.0.0.1:0", None).await;
    let c = client();
    let mut stream = c
        .get(format!("{}/api/events", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // Another process on the same file: its own store handle and service.
    let other = service(&s.db, &s._dir.path().join("events.jsonl")).await;
    let other = other.with_context(Context {
        actor: "agent-7".into(),
        ..other.context().clone()
    });
    let made = Instant::now();
    other
        .call(
            "pm_create_issue",
            json!({"type": "bug", "title": "Seen live"}),
        )
        .await
        .unwrap();
    let mut seen = String::new();
    while !seen.contains("Seen live") {
        let chunk = tokio::time::timeout(Duration::from_secs(2), stream.chunk())
            .await
            .expect("an event within the timeout")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let took = made.elapsed();
    assert!(took < Duration::from_secs(1), "arrived after {took:?}");
    assert!(seen.contains("event: issue_created"), "{seen}");
    assert!(seen.contains("\"actor\":\"agent-7\""), "{seen}");
    // Resuming after a seen id replays what followed it.
    let mut replay = c
        .get(format!("{}/api/events", s.base))
        .header("last-event-id", "1")
        .send()
        .await
        .unwrap();
    let mut replayed = String::new();
    while !replayed.contains("Seen live") {
        let chunk = tokio::time::timeout(Duration::from_secs(2), replay.chunk())
            .await
            .expect("the replay")
            .unwrap()
            .expect("the stream stays open");
        replayed.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(!replayed.contains("id: 1\n"), "starts after the given id");
    let (st, _) = json_of(
        c.get(format!("{}/api/events?after=x", s.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn mcp_over_http_initializes_and_checks_the_origin() {
    let s = start("127.0.0.1:0", None).await;
    let c = client();
    let init = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "http-agent", "version": "1"}}
    });
    let r = c
        .post(format!("{}/mcp", s.base))
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(body.contains("\"name\":\"lazypm\""), "{body}");
    let r = c
        .post(format!("{}/mcp", s.base))
        .header("accept", "application/json, text/event-stream")
        .header("origin", "http://evil.example")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
