//! The HTTP API. Every error is JSON `{"error": code, "message": …}`: 400 malformed input,
//! 401 no or unknown token, 403 role, 404 unknown path, 409 stale revision (with the current
//! one), 413 body too large, 422 refused by the plan (with the gates), 503 journal unwritable.
//! Reads (`state`, `assign`, `config`) come from the core's published feeds, not the core.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::oneshot;

use super::AppState;
use super::auth::{Auth, SharedAuth};
use super::convert;
use super::core::CoreMsg;
use super::ingest::Intake;
use super::stats::Stats;
use crate::engine::{ActionRequest, Actor, Refusal, Reply, Role};
use crate::wire::{self, ActionReply, ErrorBody, EventsPage};

/// An API error with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
        }
    }

    /// The status it is answered with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body it is answered with.
    #[must_use]
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// The refusal of an action as the API answers it; a sign-off refusal names who may give
    /// it, from the tokens.
    #[must_use]
    pub fn refusal(r: Refusal, auth: &Auth) -> ApiError {
        let message = r.to_string();
        match r {
            Refusal::NotYourSignoff { signoff, .. } => {
                let holders = auth.holders(&signoff);
                let who = if holders.is_empty() {
                    format!(
                        ": no token lists it yet (add `signoffs = [\"{signoff}\"]` to its holder's [[token]])"
                    )
                } else {
                    format!(": {}", holders.join(", "))
                };
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("{message}{who}"),
                )
            }
            Refusal::Forbidden { .. } => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            Refusal::StaleRevision { current, .. } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "stale_revision", message);
                e.body.current_revision = Some(current);
                e
            }
            Refusal::GatesFailing { gates } => {
                let mut e =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "gates_failing", message);
                e.body.gates = convert::gates(&gates, auth);
                e
            }
            Refusal::NotAllowed { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_allowed", message)
            }
            Refusal::KeyReused { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                message,
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read, so the connection cannot carry another
            // request: say so, or a client would reuse it and lose its next request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// A handler's answer or its error.
pub type ApiResult<T> = Result<T, ApiError>;

/// The caller, from the `Authorization` header.
pub fn caller(app: &AppState, headers: &HeaderMap) -> ApiResult<Actor> {
    authorized(&app.auth, headers)
}

/// Who is calling, by the `Authorization` header checked against `auth`, or a 401.
pub fn authorized(auth: &SharedAuth, headers: &HeaderMap) -> ApiResult<Actor> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    auth.get()
        .authenticate(header)
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string()))
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|e| {
        let status = e.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_request"
        };
        ApiError::new(status, code, e.body_text())
    })
}

fn parse_json<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))
}

/// An action body; an unknown verb is named as such, with the ones there are.
fn parse_action(bytes: &[u8]) -> ApiResult<wire::ActionRequest> {
    parse_json(bytes).map_err(|e| {
        let verb = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v.get("action")?.as_str().map(str::to_owned));
        match verb {
            Some(v) if !wire::action::VERBS.split(", ").any(|k| k == v) => {
                ApiError::bad_request(format!("unknown action `{v}` ({})", wire::action::VERBS))
            }
            _ => e,
        }
    })
}

/// `GET /healthz`: no token needed.
pub async fn healthz(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    let snap = app.core.snapshot.borrow().clone();
    Json(wire::Health {
        status: "ok".into(),
        rollout: snap.state.rollout.clone(),
        revision: snap.state.revision,
    })
}

/// `GET /v1/plan`: the profile as JSON (for `cutover sim` and dashboards).
pub async fn plan(State(app): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    caller(&app, &headers)?;
    Ok(Json(app.plan.profile()).into_response())
}

/// `GET /v1/state`.
pub async fn state(State(app): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    caller(&app, &headers)?;
    let snap = app.core.snapshot.borrow().clone();
    let edges = app
        .edges
        .lock()
        .expect("edges")
        .view(std::time::Instant::now());
    if edges.is_empty() {
        return Ok(Json(&snap.state).into_response());
    }
    // The registry's ages are current; the snapshot's edges change only on news.
    let mut state = snap.state.clone();
    state.edges = edges;
    Ok(Json(&state).into_response())
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    #[serde(default)]
    since: u64,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    100
}

/// `GET /v1/events?since=SEQ&limit=N`: journal records after `since`.
pub async fn events(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    caller(&app, &headers)?;
    let Query(q) =
        query.map_err(|e| ApiError::bad_request(format!("bad query: {}", e.body_text())))?;
    if !(1..=1000).contains(&q.limit) {
        return Err(ApiError::bad_request(format!(
            "limit {} is outside 1–1000: page through with `since`",
            q.limit
        )));
    }
    let limit = q.limit;
    let dir = app.data.clone();
    let records =
        tokio::task::spawn_blocking(move || crate::journal::read_since(&dir, q.since, limit))
            .await
            .map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })?
            .map_err(|e| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "journal_unavailable",
                    e.to_string(),
                )
            })?;
    let next = records.last().map_or(q.since, |r| r.seq);
    let page = EventsPage {
        events: records.iter().map(convert::record).collect(),
        next,
    };
    Ok(Json(page).into_response())
}

/// `POST /v1/actions`.
pub async fn action(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let actor = caller(&app, &headers)?;
    let body = parse_action(&body_bytes(body)?)?;
    let action = convert::action(&body.action, &body.reason).map_err(ApiError::bad_request)?;
    let dry_run = body.dry_run;
    let request = ActionRequest {
        action,
        actor,
        reason: body.reason,
        idempotency_key: body.idempotency_key,
        expected_revision: body.expected_revision,
        at: app.clock.now(),
    };
    if dry_run {
        return preview(&app, request).await;
    }
    let (tx, rx) = oneshot::channel();
    app.core
        .tx
        .send(CoreMsg::Action(request, tx))
        .await
        .map_err(shutting_down)?;
    let outcome = rx
        .await
        .map_err(shutting_down)?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "journal_unavailable", e))?;
    match outcome.reply {
        Reply::Applied { revision } => Ok(Json(ActionReply {
            revision,
            duplicate: false,
            unchanged: None,
            state: outcome.state,
        })
        .into_response()),
        Reply::Duplicate { revision } => Ok(Json(ActionReply {
            revision,
            duplicate: true,
            unchanged: None,
            state: outcome.state,
        })
        .into_response()),
        Reply::Unchanged { revision, why } => Ok(Json(ActionReply {
            revision,
            duplicate: false,
            unchanged: Some(why),
            state: outcome.state,
        })
        .into_response()),
        Reply::Refused(r) => Err(ApiError::refusal(r, &app.auth.get())),
    }
}

fn shutting_down<E>(_: E) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        "the server is shutting down",
    )
}

/// A dry run: what the action would do, decided by the engine on a copy of the state.
async fn preview(app: &AppState, request: ActionRequest) -> ApiResult<Response> {
    let (tx, rx) = oneshot::channel();
    app.core
        .tx
        .send(CoreMsg::Preview(request, tx))
        .await
        .map_err(shutting_down)?;
    let outcome = rx.await.map_err(shutting_down)?;
    let (refusal, unchanged) = match outcome.reply {
        Reply::Refused(r) => (Some(ApiError::refusal(r, &app.auth.get()).body), None),
        Reply::Unchanged { why, .. } => (None, Some(why)),
        Reply::Applied { .. } | Reply::Duplicate { .. } => (None, None),
    };
    let changes = if refusal.is_some() {
        Vec::new()
    } else {
        wire::action::changes(&outcome.before, &outcome.after)
    };
    Ok(Json(wire::Preview {
        revision: outcome.before.revision,
        refusal,
        unchanged,
        changes,
        gates: outcome.gates,
        state: outcome.after,
    })
    .into_response())
}

/// `POST /v1/samples`: a JSON array or NDJSON of samples, taken in as it arrives (never held
/// whole), at most [`super::INGESTING`] bodies at a time; bad samples are reported by index (the
/// first hundred) and counted.
pub async fn samples(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let actor = caller(&app, &headers)?;
    if actor.role < Role::Operator {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a viewer may not push samples (needs operator)",
        ));
    }
    let _turn = app.ingesting.acquire().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is stopping",
        )
    })?;
    let mut intake = Intake::new(&app.plan);
    let mut chunks = body.into_data_stream();
    let mut read = 0;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        read += chunk.len();
        if read > super::SAMPLES_LIMIT {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "a samples body may be {} MiB at most: send smaller batches",
                    super::SAMPLES_LIMIT >> 20
                ),
            ));
        }
        intake.push(&chunk).map_err(ApiError::bad_request)?;
    }
    let batch = intake.finish(&app.ingest).map_err(ApiError::bad_request)?;
    Stats::add(&app.stats.samples_accepted, batch.accepted as u64);
    Stats::add(&app.stats.samples_rejected, batch.rejected_total as u64);
    let rejected: Vec<_> = batch
        .rejected
        .into_iter()
        .map(|(index, reason)| wire::Rejected { index, reason })
        .collect();
    let status = if batch.accepted == 0 && batch.rejected_total > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(wire::SamplesReply {
            accepted: batch.accepted,
            rejected,
            rejected_total: batch.rejected_total,
        }),
    )
        .into_response())
}

/// Unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see docs/protocol.md)",
    )
}

/// Known paths with the wrong method.
pub async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method (see docs/protocol.md)",
    )
}
