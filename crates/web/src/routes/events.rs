//! `GET /api/events`: the audit trail as server-sent events, live. It
//! follows the events table by sequence number, so changes made by any
//! process on the same store (an agent's `lazypm mcp`, a `lazypm call`)
//! arrive, within a quarter of a second; changes made through this server,
//! and on PostgreSQL (LISTEN/NOTIFY) changes made anywhere, arrive at once.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use lazypm_domain::Event;
use lazypm_service::Service;

use super::AppState;
use crate::error::{ApiError, ApiResult};

/// How often the table is asked for newer events.
const POLL: Duration = Duration::from_millis(250);
/// Events read per query.
const BATCH: i64 = 200;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/events", get(events))
}

/// Events after `?after=SEQ` (or the `Last-Event-ID` a reconnecting browser
/// sends); without either, from now on. Each event's SSE id is its sequence
/// number and its SSE event name its type.
async fn events(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let given = q
        .get("after")
        .map(String::as_str)
        .or_else(|| headers.get("last-event-id").and_then(|v| v.to_str().ok()));
    let after = match given {
        Some(text) => text.trim().parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!(
                "after: '{text}' is not a sequence number; pass the id of the last event seen"
            ))
        })?,
        None => s.svc.last_event_seq().await?,
    };
    let stream = futures_util::stream::unfold(
        (s.svc.clone(), after, VecDeque::<(i64, Event)>::new()),
        |(svc, mut cursor, mut pending)| async move {
            loop {
                if let Some((seq, event)) = pending.pop_front() {
                    return Some((Ok(to_sse(seq, &event)), (svc, cursor, pending)));
                }
                match next_batch(&svc, cursor).await {
                    Some(batch) if !batch.is_empty() => {
                        cursor = batch.last().map(|(seq, _)| *seq).unwrap_or(cursor);
                        pending.extend(batch);
                    }
                    // A change in this process (or, on PostgreSQL, in any)
                    // wakes the feed at once; else the next poll finds it.
                    _ => {
                        tokio::select! {
                            _ = svc.changed() => {}
                            _ = tokio::time::sleep(POLL) => {}
                        }
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

async fn next_batch(svc: &Service, after: i64) -> Option<Vec<(i64, Event)>> {
    match svc.events_after(after, BATCH).await {
        Ok(batch) => Some(batch),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read events for the live feed");
            None
        }
    }
}

fn to_sse(seq: i64, event: &Event) -> SseEvent {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    SseEvent::default()
        .id(seq.to_string())
        .event(event.event_type.as_str())
        .data(data)
}
