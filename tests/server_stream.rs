//! The WebSocket stream and config stream over real sockets: `hello` then `snapshot`, then
//! messages in seq order; resuming after a disconnect delivers exactly what was missed (no
//! gap, no duplicate), and a seq from another server run or too old gets a snapshot; a slow
//! client is resynchronised with a snapshot; malformed frames get an `error` frame and the
//! connection stays; an unsupported protocol is refused naming the supported ones; a kill
//! reaches config-stream subscribers.

mod common;

use std::time::Duration;

use common::server::{TestServer, eventually};
use cutover::client::{self, Client, ClientError};
use cutover::wire::{ClientMessage, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ALICE: &str = "alice-operator-token";
const VIC: &str = "vic-viewer-token";

async fn next(stream: &mut client::Stream) -> ServerMessage {
    tokio::time::timeout(Duration::from_secs(10), client::next_message(stream))
        .await
        .expect("a message in time")
        .expect("stream open")
        .expect("readable")
}

/// Next message that is not a ping.
async fn next_real(stream: &mut client::Stream) -> ServerMessage {
    loop {
        let m = next(stream).await;
        if !matches!(m, ServerMessage::Ping { .. }) {
            return m;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hello_snapshot_then_events_in_seq_order() {
    let s = TestServer::start("vividwalls").await;
    let c = Client::new(&s.base, Some(VIC.into()));
    let mut stream = c.stream(None).await.unwrap();
    let ServerMessage::Hello {
        protocol, rollout, ..
    } = next(&mut stream).await
    else {
        panic!("hello first")
    };
    assert_eq!((protocol, rollout.as_str()), (1, "vividwalls-mas"));
    let ServerMessage::Snapshot(snap) = next(&mut stream).await else {
        panic!("snapshot second")
    };
    assert_eq!(snap.state.cohorts.len(), 19);
    let mut last = snap.seq;
    for text in ["pause", "resume", "note one"] {
        s.act(
            ALICE,
            json!({"action": text.split(' ').next().unwrap(), "text": "one"}),
        )
        .await;
        let ServerMessage::Event { seq, event, state } = next_real(&mut stream).await else {
            panic!("event")
        };
        assert_eq!(seq, last + 1, "no gap, no duplicate");
        assert!(event.to_string().contains("by alice"), "{event}");
        assert_eq!(state.revision, seq);
        last = seq;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn resuming_delivers_exactly_what_was_missed() {
    let s = TestServer::start("minimal").await;
    let c = Client::new(&s.base, Some(VIC.into()));
    let mut stream = c.stream(None).await.unwrap();
    let ServerMessage::Hello { epoch, .. } = next(&mut stream).await else {
        panic!()
    };
    let ServerMessage::Snapshot(snap) = next(&mut stream).await else {
        panic!()
    };
    s.act(ALICE, json!({"action": "note", "text": "seen"}))
        .await;
    let seen = next_real(&mut stream).await.seq();
    drop(stream);
    for i in 0..3 {
        s.act(
            ALICE,
            json!({"action": "note", "text": format!("missed {i}")}),
        )
        .await;
    }
    let mut again = c.stream(Some((seen, epoch))).await.unwrap();
    assert!(matches!(
        next(&mut again).await,
        ServerMessage::Hello { .. }
    ));
    let mut got = Vec::new();
    for _ in 0..3 {
        let m = next_real(&mut again).await;
        assert!(
            matches!(m, ServerMessage::Event { .. }),
            "resume sends the missed events, not a snapshot: {m:?}"
        );
        got.push(m.seq());
    }
    assert_eq!(got, vec![seen + 1, seen + 2, seen + 3]);
    assert_eq!(snap.seq + 1, seen);
    // A seq from another server run, or one from the future, gets a snapshot instead.
    let mut other = c.stream(Some((seen, epoch + 1))).await.unwrap();
    next(&mut other).await;
    assert!(matches!(next(&mut other).await, ServerMessage::Snapshot(_)));
    // Resuming on an open connection works the same.
    client::send_message(
        &mut other,
        &ClientMessage::Resume {
            seq: seen + 1,
            epoch,
        },
    )
    .await
    .unwrap();
    assert_eq!(next_real(&mut other).await.seq(), seen + 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_client_is_resynchronised_with_a_snapshot() {
    let s = TestServer::start("minimal").await;
    let c = Client::new(&s.base, Some(VIC.into()));
    let mut stream = c.stream(None).await.unwrap();
    next(&mut stream).await;
    next(&mut stream).await;
    // The client reads nothing while 1,500 large notes go through the core (about 60 MB of
    // stream): its socket fills, its backlog overflows, and the server resyncs it with a
    // snapshot instead of buffering.
    let text = "x".repeat(20_000);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (http, url, text) = (s.http.clone(), s.url("/v1/actions"), text.clone());
        tasks.spawn(async move {
            for i in 0..190 {
                let body = json!({"action": "note", "text": format!("{worker}-{i} {text}")});
                let r = http
                    .post(&url)
                    .bearer_auth(ALICE)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let target = s.running.app.hub.current();
    let mut saw_snapshot = false;
    let mut last = 0;
    let mut revision = 0;
    while last < target {
        let m = next(&mut stream).await;
        match &m {
            ServerMessage::Snapshot(snap) => {
                saw_snapshot = true;
                assert!(
                    snap.state.revision >= revision,
                    "a snapshot never goes back"
                );
                revision = snap.state.revision;
            }
            ServerMessage::Event { state, .. } => {
                assert_eq!(
                    state.revision,
                    revision + 1,
                    "after a resync, no event is missed or repeated"
                );
                revision = state.revision;
            }
            _ => {}
        }
        assert!(m.seq() >= last, "in order");
        last = m.seq();
    }
    assert_eq!(revision, 8 * 190);
    assert!(saw_snapshot, "the slow client got a snapshot");
    assert!(cutover::server::stats::Stats::get(&s.running.app.stats.stream_resyncs) >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_frames_get_an_error_and_the_connection_stays() {
    let s = TestServer::start("minimal").await;
    let c = Client::new(&s.base, Some(VIC.into()));
    let mut stream = c.stream(None).await.unwrap();
    next(&mut stream).await;
    next(&mut stream).await;
    for bad in [
        "not json",
        "{\"type\": \"dance\"}",
        "{\"type\": \"resume\"}",
    ] {
        stream.send(Message::Text(bad.into())).await.unwrap();
        let ServerMessage::Error { code, message, .. } = next_real(&mut stream).await else {
            panic!("error frame for {bad}")
        };
        assert_eq!(code, "bad_message");
        assert!(message.contains("could not read that message"), "{message}");
    }
    stream
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    assert!(matches!(
        next_real(&mut stream).await,
        ServerMessage::Error { .. }
    ));
    client::send_message(&mut stream, &ClientMessage::Ping)
        .await
        .unwrap();
    assert!(
        matches!(next(&mut stream).await, ServerMessage::Ping { .. }),
        "still connected"
    );
    s.act(ALICE, json!({"action": "pause"})).await;
    assert!(matches!(
        next_real(&mut stream).await,
        ServerMessage::Event { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_frame_closes_only_that_connection() {
    let s = TestServer::start("minimal").await;
    let c = Client::new(&s.base, Some(VIC.into()));
    let mut stream = c.stream(None).await.unwrap();
    next(&mut stream).await;
    let _ = stream
        .send(Message::Text("x".repeat(200 * 1024).into()))
        .await;
    assert_eq!(close_code(&mut stream).await, Some(1009));
    let (status, _) = s.get("/v1/state", Some(VIC)).await;
    assert_eq!(status, 200, "the server is fine");
}

/// The close code the server sends, if it sends a close frame before the connection ends.
async fn close_code<S>(stream: &mut S) -> Option<u16>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                None | Some(Err(_)) => return None,
                _ => {}
            }
        }
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn text_that_is_not_utf8_is_closed_with_1007() {
    use tokio::io::AsyncWriteExt;
    let s = TestServer::start("minimal").await;
    let c = Client::new(&s.base, Some(VIC.into()));
    let mut stream = c.stream(None).await.unwrap();
    next(&mut stream).await;
    // A masked text frame (FIN, opcode 1) of two bytes that are not UTF-8, written raw.
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | 2];
    frame.extend_from_slice(&mask);
    frame.extend([0xff ^ mask[0], 0xfe ^ mask[1]]);
    match stream.get_mut() {
        tokio_tungstenite::MaybeTlsStream::Plain(tcp) => tcp.write_all(&frame).await.unwrap(),
        _ => unreachable!("plain TCP on loopback"),
    }
    assert_eq!(close_code(&mut stream).await, Some(1007));
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_protocols_and_missing_tokens_are_refused() {
    let s = TestServer::start("minimal").await;
    let url = s.base.replace("http://", "ws://") + "/v1/stream?protocol=9";
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {VIC}").parse().unwrap());
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) =
        tokio_tungstenite::connect_async(req).await
    else {
        panic!("refused")
    };
    assert_eq!(response.status(), 400);
    let body: serde_json::Value =
        serde_json::from_slice(response.body().as_ref().unwrap()).unwrap();
    assert_eq!(body["error"], "unsupported_protocol");
    assert_eq!(
        body["message"],
        "protocol version 9 is not supported; this server speaks [1]"
    );
    let r = s
        .http
        .get(s.url("/v1/stream"))
        .bearer_auth(VIC)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a plain GET is not a WebSocket");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_websocket");
    let err = Client::new(&s.base, None).stream(None).await.err().unwrap();
    assert!(
        matches!(err, ClientError::Refused { status: 401, .. }),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_reaches_config_subscribers_at_once() {
    let s = TestServer::start("vividwalls").await;
    let mut watcher = Client::new(&s.base, Some(VIC.into()))
        .stream(None)
        .await
        .unwrap();
    let url = s.base.replace("http://", "ws://") + "/v1/config/stream";
    let mut subscribers = Vec::new();
    for _ in 0..20 {
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {VIC}").parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let Some(Ok(Message::Text(first))) = ws.next().await else {
            panic!("config on connect")
        };
        let doc: cutover::wire::ConfigDoc = serde_json::from_str(&first).unwrap();
        assert_eq!(doc.status, cutover::wire::Status::Running);
        subscribers.push(ws);
    }
    eventually(
        "every subscriber counted",
        Duration::from_secs(10),
        || async {
            cutover::server::stats::Stats::get(&s.running.app.stats.config_subscribers) == 20
        },
    )
    .await;
    s.act(ALICE, json!({"action": "kill", "reason": "drill"}))
        .await;
    for ws in &mut subscribers {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let doc: cutover::wire::ConfigDoc = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        assert_eq!(doc.status, cutover::wire::Status::Killed);
        assert!(doc.cohorts.iter().all(|c| c.weight_bp == 0));
    }
    // The closed loop: the stream reports how many subscribers the kill's revision reached.
    let delivery = loop {
        if let ServerMessage::Delivery { delivery, .. } = next_real(&mut watcher).await {
            break delivery;
        }
    };
    assert_eq!(
        (
            delivery.revision,
            delivery.sent,
            delivery.subscribers,
            delivery.complete
        ),
        (1, 20, 20, true),
        "{delivery:?}"
    );
    assert!(delivery.elapsed_ms.is_some());
    let snap = s.running.app.core.snapshot.borrow().clone();
    assert_eq!(snap.delivery.as_ref().map(|d| d.sent), Some(20));
}
