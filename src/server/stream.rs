//! The WebSocket endpoints. `/v1/stream` sends `hello`, then a `snapshot` (or, resuming,
//! everything after the client's seq), then every message in seq order with pings between;
//! a client that falls behind gets a fresh snapshot. A malformed or unknown client message is
//! answered with an `error` frame and the connection stays up. `/v1/config/stream` pushes the
//! config document on connect and on every change, so a kill reaches apps at once.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::api::{ApiError, authorized, caller};
use super::apps::Apps;
use super::auth::SharedAuth;
use super::convert;
use super::stats::{Held, Stats};
use crate::wire::{ClientMessage, PROTOCOL, SUPPORTED, ServerMessage};

/// Largest client frame accepted.
pub const MAX_CLIENT_FRAME: usize = 64 * 1024;
/// Read buffer per connection. Client frames are small; tungstenite's 128 KiB default is
/// zero-filled on reads, which with 10,000 config subscribers woken by one kill cost more
/// than everything else together.
pub const READ_BUFFER: usize = 4 * 1024;
/// How often an idle stream sends a ping.
pub const PING_EVERY: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    protocol: Option<u32>,
    #[serde(default)]
    since: Option<u64>,
    #[serde(default)]
    epoch: Option<u64>,
}

/// `GET /v1/stream[?protocol=1&since=SEQ&epoch=E]`.
pub async fn stream(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let you = caller(&app, &headers)?;
    let credential = credential(&headers);
    if let Some(v) = q.protocol
        && !SUPPORTED.contains(&v)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_protocol",
            format!("protocol version {v} is not supported; this server speaks {SUPPORTED:?}"),
        ));
    }
    let ws = ws.map_err(not_websocket)?;
    let resume = q.since.zip(q.epoch);
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| async move {
            let _held = Held::new(app.stats.clone(), &[|s| &s.stream_clients]);
            if let Err(e) = serve_stream(&app, socket, resume, you, credential).await {
                tracing::debug!(error = %e, "stream client left");
            }
        }))
}

#[expect(clippy::needless_pass_by_value, reason = "used as a map_err function")]
fn not_websocket(e: WebSocketUpgradeRejection) -> ApiError {
    ApiError::new(
        e.status(),
        "not_websocket",
        format!("this endpoint speaks WebSocket: {}", e.body_text()),
    )
}

async fn send_frame(socket: &mut WebSocket, frame: Utf8Bytes) -> Result<(), axum::Error> {
    socket.send(Message::Text(frame)).await
}

async fn send_msg(socket: &mut WebSocket, msg: &ServerMessage) -> Result<(), axum::Error> {
    send_frame(
        socket,
        Utf8Bytes::from(serde_json::to_string(msg).expect("messages serialize")),
    )
    .await
}

/// Sends a snapshot, then whatever was published after it (the core refreshes the snapshot
/// just after publishing, so it may trail by a few messages); returns the last seq sent.
/// Callers subscribe before calling, so nothing published meanwhile is missed.
async fn resync(app: &AppState, socket: &mut WebSocket) -> Result<u64, axum::Error> {
    let snap = app.core.snapshot.borrow().clone();
    let mut last = snap.seq;
    send_msg(socket, &ServerMessage::Snapshot(Box::new((*snap).clone()))).await?;
    for f in app.hub.since(last).unwrap_or_default() {
        send_frame(socket, f.json.clone()).await?;
        last = f.seq;
    }
    Ok(last)
}

/// Brings a client up to date from `since` (if that is resumable here) or with a snapshot.
async fn catch_up(
    app: &AppState,
    socket: &mut WebSocket,
    resume: Option<(u64, u64)>,
) -> Result<u64, axum::Error> {
    if let Some((since, epoch)) = resume
        && epoch == app.hub.epoch()
        && let Some(frames) = app.hub.since(since)
    {
        let mut last = since;
        for f in frames {
            send_frame(socket, f.json.clone()).await?;
            last = f.seq;
        }
        return Ok(last);
    }
    resync(app, socket).await
}

async fn serve_stream(
    app: &AppState,
    mut socket: WebSocket,
    resume: Option<(u64, u64)>,
    you: crate::engine::Actor,
    credential: Option<String>,
) -> Result<(), axum::Error> {
    let mut tokens = app.auth.subscribe();
    // Subscribe before catching up: anything published meanwhile is queued, and skipped by seq.
    let mut rx = app.hub.subscribe();
    let hello = ServerMessage::Hello {
        seq: app.hub.current(),
        epoch: app.hub.epoch(),
        protocol: PROTOCOL,
        server: env!("CARGO_PKG_VERSION").into(),
        rollout: app.plan.profile().rollout.id.clone(),
        you: Some(convert::actor(&you)),
        clock_speed: app.clock.speed(),
    };
    send_msg(&mut socket, &hello).await?;
    let mut last = catch_up(app, &mut socket, resume).await?;
    let cancelled = app.cancel.cancelled();
    tokio::pin!(cancelled);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            () = &mut cancelled => {
                let _ = socket.send(Message::Close(None)).await;
                return Ok(());
            }
            frame = rx.recv() => match frame {
                Ok(f) if f.seq <= last => {}
                Ok(f) => {
                    send_frame(&mut socket, f.json.clone()).await?;
                    last = f.seq;
                }
                Err(RecvError::Lagged(_)) => {
                    Stats::bump(&app.stats.stream_resyncs);
                    rx = app.hub.subscribe();
                    last = resync(app, &mut socket).await?;
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                None | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Err(e)) => return close_for(&mut socket, e).await,
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Ping) => send_msg(&mut socket, &ServerMessage::Ping { seq: last, now: app.clock.now().0 }).await?,
                    Ok(ClientMessage::Resume { seq, epoch }) => {
                        rx = app.hub.subscribe();
                        last = catch_up(app, &mut socket, Some((seq, epoch))).await?;
                    }
                    Err(e) => {
                        let message = format!("could not read that message ({e}); send {{\"type\": \"resume\", \"seq\": N, \"epoch\": E}} or {{\"type\": \"ping\"}}");
                        send_msg(&mut socket, &ServerMessage::Error { seq: last, code: "bad_message".into(), message }).await?;
                    }
                },
                Some(Ok(Message::Binary(_))) => {
                    send_msg(&mut socket, &ServerMessage::Error { seq: last, code: "bad_message".into(), message: "binary frames are not part of the protocol; send JSON text".into() }).await?;
                }
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => send_msg(&mut socket, &ServerMessage::Ping { seq: last, now: app.clock.now().0 }).await?,
            Ok(()) = tokens.changed() => if revoked(&app.auth, credential.as_deref()) {
                return close_revoked(&mut socket).await;
            },
        }
    }
}

/// Closes the connection after a frame the protocol cannot take, with the close code that says
/// why: 1007 for text that is not UTF-8, 1009 for a frame over [`MAX_CLIENT_FRAME`], 1002 for
/// anything else malformed. The error is still returned, for the log.
async fn close_for(socket: &mut WebSocket, e: axum::Error) -> Result<(), axum::Error> {
    let text = e.to_string();
    let (code, reason) = if text.contains("UTF-8") || text.contains("Utf8") {
        (1007, "text frames must be UTF-8".to_owned())
    } else if text.contains("too long") || text.contains("Space limit") || text.contains("too big")
    {
        (
            1009,
            format!("frames may be {} KiB at most", MAX_CLIENT_FRAME / 1024),
        )
    } else {
        (1002, "malformed frame".to_owned())
    };
    let frame = axum::extract::ws::CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
    Err(e)
}

/// `GET /v1/config/stream`: the config document now and after every change.
pub async fn config_stream(
    State(app): State<Arc<Apps>>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    authorized(&app.auth, &headers)?;
    let credential = credential(&headers);
    let ws = ws.map_err(not_websocket)?;
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| async move {
            let _held = Held::new(app.stats.clone(), &[|s| &s.config_subscribers]);
            let _ = serve_config(&app, socket, credential).await;
        }))
}

async fn serve_config(
    app: &Apps,
    mut socket: WebSocket,
    credential: Option<String>,
) -> Result<(), axum::Error> {
    let mut tokens = app.auth.subscribe();
    // One cancellation future per connection: creating one per loop turn would register on
    // the token's shared waiter list again and again, which 10,000 subscribers waking at once
    // turn into lock contention.
    let cancelled = app.cancel.cancelled();
    tokio::pin!(cancelled);
    let mut config = app.config.clone();
    let (first, revision) = {
        let feed = config.borrow_and_update();
        (feed.frame.clone(), feed.doc.revision)
    };
    send_frame(&mut socket, first).await?;
    app.deliveries.sent(revision);
    loop {
        tokio::select! {
            () = &mut cancelled => return Ok(()),
            changed = config.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                let (frame, revision) = {
                    let feed = config.borrow_and_update();
                    (feed.frame.clone(), feed.doc.revision)
                };
                send_frame(&mut socket, frame).await?;
                app.deliveries.sent(revision);
            }
            incoming = socket.recv() => match incoming {
                None | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Err(e)) => return close_for(&mut socket, e).await,
                Some(Ok(_)) => {}
            },
            Ok(()) = tokens.changed() => if revoked(&app.auth, credential.as_deref()) {
                return close_revoked(&mut socket).await;
            },
        }
    }
}

/// The `Authorization` header a stream was opened with, to check again when tokens change.
fn credential(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
}

/// Whether the tokens now in force no longer let this stream's caller in.
fn revoked(auth: &SharedAuth, credential: Option<&str>) -> bool {
    auth.get().authenticate(credential).is_err()
}

/// Ends a stream whose token was revoked: close code 1008 (policy violation) with why.
async fn close_revoked(socket: &mut WebSocket) -> Result<(), axum::Error> {
    let frame = axum::extract::ws::CloseFrame {
        code: 1008,
        reason: "token revoked".into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
    Ok(())
}
