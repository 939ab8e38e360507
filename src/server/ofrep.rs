//! OFREP on the control plane: `POST /ofrep/v1/evaluate/flags/{key}` (one flag),
//! `POST /ofrep/v1/evaluate/flags` (every flag, with an `ETag` and 304), and
//! `GET /ofrep/v1/events`, the server-sent events that say `refetchEvaluation` on every config
//! revision. The flags themselves are [`crate::openfeature`]'s, from the config document.
//!
//! Auth: any token, as `Authorization: Bearer` or `X-API-Key`; a refusal is a bare 401 (the
//! spec's errors carry no body there). Browsers' `EventSource` sends no headers, so the event
//! stream's URL, announced in each bulk answer, carries its own token: read-only, for that
//! stream only, signed by this process, naming its holder (a revoked holder's streams close)
//! and good for [`SSE_TOKEN_LIFETIME`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio_stream::wrappers::{ReceiverStream, WatchStream};

use super::apps::Apps;
use super::stats::{Gauge, Held, Stats};
use crate::openfeature::{self, Subject};
use crate::wire::ofrep::{
    BulkEvaluation, BulkFailure, ErrorCode, EvaluationFailure, EventStream, Refetch,
};

/// How long an event-stream URL's token is good for; a provider whose stream drops after that
/// fetches again and gets a new URL.
pub const SSE_TOKEN_LIFETIME: Duration = Duration::from_mins(15);

/// How long a hidden browser tab may stay away before it fetches again on return.
const INACTIVITY_DELAY_SEC: u32 = 120;

/// The process's key for event-stream tokens: random, never written anywhere.
pub struct SseKey([u8; 32]);

impl SseKey {
    /// A fresh random key.
    #[must_use]
    pub fn random() -> SseKey {
        let mut key = [0u8; 32];
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut key)
            .expect("the system's random source");
        SseKey(key)
    }

    /// HMAC-SHA256 of `message` (RFC 2104).
    fn mac(&self, message: &str) -> String {
        let mut inner = Sha256::new();
        let mut outer = Sha256::new();
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        inner.update(block.map(|b| b ^ 0x36));
        inner.update(message.as_bytes());
        outer.update(block.map(|b| b ^ 0x5c));
        outer.update(inner.finalize());
        crate::hex::hex(&outer.finalize())
    }

    /// A token for the event stream, for `holder`, good until `until_ms`.
    #[must_use]
    pub fn issue(&self, holder: &str, until_ms: i64) -> String {
        let message = format!("{until_ms}.{holder}");
        format!("{message}.{}", self.mac(&message))
    }

    /// The holder a token was issued to, if it is genuine and not expired at `now_ms`.
    #[must_use]
    pub fn check(&self, token: &str, now_ms: i64) -> Option<String> {
        let (message, mac) = token.rsplit_once('.')?;
        let (until, holder) = message.split_once('.')?;
        let genuine = super::auth::constant_time_eq(self.mac(message).as_bytes(), mac.as_bytes());
        (genuine && until.parse::<i64>().ok()? > now_ms).then(|| holder.to_owned())
    }
}

/// Wall time in ms (tokens expire by the wall, not by a demo's sped-up rollout clock).
fn now_ms() -> i64 {
    crate::clock::Clock::wall().now().0
}

/// A 401 with no body, as the spec has it, saying which scheme to use.
struct Refused;

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        )
            .into_response()
    }
}

/// The caller by `Authorization: Bearer` or `X-API-Key`, or a bare 401.
fn caller(app: &Apps, headers: &HeaderMap) -> Result<String, Refused> {
    let text = |name| headers.get(name).and_then(|h| h.to_str().ok());
    let token = text(header::AUTHORIZATION.as_str())
        .and_then(super::auth::bearer)
        .or_else(|| text("x-api-key"));
    app.auth
        .get()
        .authenticate_token(token)
        .map(|actor| actor.name)
        .map_err(|_| Refused)
}

/// The request's subject, or the body that says what is wrong with it.
fn subject(body: &Bytes) -> Result<Subject, (ErrorCode, String)> {
    let request: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| (ErrorCode::ParseError, format!("the body is not JSON: {e}")))?
    };
    let Value::Object(mut request) = request else {
        return Err((
            ErrorCode::ParseError,
            "the body must be a JSON object: {\"context\": {…}}".to_owned(),
        ));
    };
    match request.remove("context") {
        None | Some(Value::Null) => Subject::from_context(&Map::new()),
        Some(Value::Object(context)) => Subject::from_context(&context),
        Some(other) => Err((
            ErrorCode::InvalidContext,
            format!("`context` must be an object, not {other}"),
        )),
    }
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        serde_json::to_string(body).expect("serializes"),
    )
        .into_response()
}

/// The OFREP routes. Browsers call them from the app's own origin, so they answer CORS
/// preflights and allow any origin: the token travels in a header the page sets, never in a
/// cookie the browser would add by itself, so another origin gains nothing it did not have.
pub fn routes() -> axum::Router<Arc<Apps>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/ofrep/v1/evaluate/flags",
            post(evaluate_bulk).options(preflight),
        )
        .route(
            "/ofrep/v1/evaluate/flags/{key}",
            post(evaluate_one).options(preflight),
        )
        .route("/ofrep/v1/events", get(events).options(preflight))
        .layer(axum::middleware::map_response(allow_any_origin))
}

async fn allow_any_origin(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("ETag"),
    );
    response
}

/// A CORS preflight: which methods and headers a page may use.
async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type, x-api-key, if-none-match"),
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            ),
        ],
    )
        .into_response()
}

/// `POST /ofrep/v1/evaluate/flags/{key}`.
pub async fn evaluate_one(
    State(app): State<Arc<Apps>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = caller(&app, &headers) {
        return refused.into_response();
    }
    Stats::bump(&app.stats.ofrep_evaluations);
    let subject = match subject(&body) {
        Ok(s) => s,
        Err((code, details)) => {
            return json(
                StatusCode::BAD_REQUEST,
                &EvaluationFailure {
                    key,
                    error_code: code,
                    error_details: details,
                },
            );
        }
    };
    let feed = app.config.borrow().clone();
    match openfeature::evaluate(&feed.doc, &key, &subject) {
        Ok(e) => json(StatusCode::OK, &e),
        Err(f) if f.error_code == ErrorCode::FlagNotFound => json(StatusCode::NOT_FOUND, &f),
        Err(f) => json(StatusCode::BAD_REQUEST, &f),
    }
}

/// The query of a bulk evaluation.
#[derive(Debug, Deserialize)]
pub struct BulkQuery {
    /// The config `ETag` of the `refetchEvaluation` event that caused this fetch.
    #[serde(rename = "flagConfigEtag")]
    flag_config_etag: Option<String>,
}

/// The bulk answer's `ETag`: the config document's and the subject's.
fn bulk_etag(config_etag: &str, subject: &Subject) -> String {
    let mut h = Sha256::new();
    h.update(subject.unit.as_deref().unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(subject.cohort.as_deref().unwrap_or_default().as_bytes());
    let digest = h.finalize();
    let short = crate::hex::hex(&digest[..6]);
    format!("\"{}-{short}\"", config_etag.trim_matches('"'))
}

/// Whether `If-None-Match` names `etag`: one of a list, weak or strong (a proxy that compresses
/// makes a strong tag weak), or `*`.
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// Where the event stream is, as seen by this caller.
fn event_stream(app: &Apps, headers: &HeaderMap, holder: &str) -> EventStream {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = if app.tls { "https" } else { "http" };
    let mut url = format!("{scheme}://{host}/ofrep/v1/events");
    if !app.auth.get().is_open() {
        let until = now_ms() + i64::try_from(SSE_TOKEN_LIFETIME.as_millis()).unwrap_or(i64::MAX);
        url.push_str("?token=");
        url.push_str(&app.sse_key.issue(holder, until));
    }
    EventStream {
        kind: "sse".to_owned(),
        url,
        inactivity_delay_sec: INACTIVITY_DELAY_SEC,
    }
}

/// `POST /ofrep/v1/evaluate/flags`.
pub async fn evaluate_bulk(
    State(app): State<Arc<Apps>>,
    Query(query): Query<BulkQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let holder = match caller(&app, &headers) {
        Ok(h) => h,
        Err(refused) => return refused.into_response(),
    };
    Stats::bump(&app.stats.ofrep_evaluations);
    let feed = app.config.borrow().clone();
    if query.flag_config_etag.as_deref() == Some(feed.etag.as_str()) {
        // An event-stream client fetching the revision it was told of: it has it now.
        app.deliveries.sent(feed.doc.revision);
    }
    let subject = match subject(&body) {
        Ok(s) => s,
        Err((code, details)) => {
            return json(
                StatusCode::BAD_REQUEST,
                &BulkFailure {
                    error_code: code,
                    error_details: details,
                },
            );
        }
    };
    let etag = bulk_etag(&feed.etag, &subject);
    let etag_header = HeaderValue::from_str(&etag).expect("etag is ASCII");
    if matches_etag(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_header)]).into_response();
    }
    let answer = BulkEvaluation {
        flags: openfeature::evaluate_all(&feed.doc, &subject),
        metadata: std::collections::BTreeMap::from([
            ("rollout".to_owned(), Value::from(feed.doc.rollout.clone())),
            ("revision".to_owned(), Value::from(feed.doc.revision)),
        ]),
        event_streams: vec![event_stream(&app, &headers, &holder)],
    };
    let mut response = json(StatusCode::OK, &answer);
    response.headers_mut().insert(header::ETAG, etag_header);
    response
}

/// The query of the event stream.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    token: Option<String>,
}

/// Whether `holder` still holds a token (an open server has no tokens to revoke).
fn still_holds(app: &Apps, holder: &str) -> bool {
    let auth = app.auth.get();
    auth.is_open() || auth.names().any(|n| n == holder)
}

/// `GET /ofrep/v1/events`: `refetchEvaluation` at once (whatever was missed before connecting)
/// and on every config revision; closed when the holder's token is revoked.
pub async fn events(
    State(app): State<Arc<Apps>>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Response {
    let holder = match query.token.as_deref() {
        Some(token) => match app.sse_key.check(token, now_ms()) {
            Some(holder) if still_holds(&app, &holder) => holder,
            _ => return Refused.into_response(),
        },
        None => match caller(&app, &headers) {
            Ok(h) => h,
            Err(refused) => return refused.into_response(),
        },
    };
    Sse::new(refetches(app, holder))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The gauges an event-stream client counts in while it is connected.
const CONNECTED: &[Gauge] = &[|s| &s.config_subscribers, |s| &s.ofrep_sse_clients];

fn refetches(app: Arc<Apps>, holder: String) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut feeds = WatchStream::new(app.config.clone());
    let mut tokens = app.auth.subscribe();
    let held = Held::new(app.stats.clone(), CONNECTED);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let _held = held;
        loop {
            let feed = tokio::select! {
                feed = feeds.next() => match feed { Some(feed) => feed, None => return },
                // The client went away: stop counting it now, not at the next revision.
                () = tx.closed() => return,
                changed = tokens.changed() => {
                    if changed.is_err() || !still_holds(&app, &holder) { return }
                    continue;
                }
                () = app.cancel.cancelled() => return,
            };
            let data = serde_json::to_string(&Refetch::new(&feed.etag)).expect("serializes");
            if tx.send(Ok(Event::default().data(data))).await.is_err() {
                return;
            }
        }
    });
    ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked() {
        let key = SseKey::random();
        let token = key.issue("ada", 2_000);
        assert_eq!(key.check(&token, 1_000).as_deref(), Some("ada"));
        assert_eq!(key.check(&token, 2_000), None, "expired");
        let forged = token.replace("ada", "eve");
        assert_eq!(key.check(&forged, 1_000), None, "another holder");
        assert_eq!(
            SseKey::random().check(&token, 1_000),
            None,
            "another process"
        );
    }

    #[test]
    fn the_mac_is_hmac_sha256() {
        // RFC 4231 test case 2 has a short key; with our 32-byte key, check against a
        // value computed with Python's hmac module.
        let key = SseKey([0x0b; 32]);
        assert_eq!(key.mac("Hi There"), HMAC_HI_THERE);
    }

    const HMAC_HI_THERE: &str = "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7";
}
