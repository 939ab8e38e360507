//! What the migrating apps read, served alike by the control plane and by the edge relay
//! (`cutover edge`): the config document ([`ConfigFeed`]) at `GET /v1/config` and
//! `/v1/config/stream`, `GET /v1/assign`, OFREP ([`super::ofrep`]) and flagd sync
//! ([`super::flagd_sync`]). [`Apps`] is everything those handlers need: the latest document, the
//! delivery tracker that counts who has it, the tokens, counters and the stop signal. The
//! control plane feeds it from its core; an edge from NATS.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::api::{ApiError, ApiResult, authorized};
use super::auth::SharedAuth;
use super::delivery::Deliveries;
use super::ofrep::SseKey;
use super::stats::Stats;
use crate::assign;
use crate::wire::{self, AssignReply, ConfigDoc};

/// The config document with its serialised form, shared with every app-facing handler.
#[derive(Debug)]
pub struct ConfigFeed {
    /// The document.
    pub doc: ConfigDoc,
    /// Its JSON, shared by every subscriber without copying.
    pub frame: axum::extract::ws::Utf8Bytes,
    /// Its entity tag.
    pub etag: String,
    /// The document as a flagd flag configuration: made once, when the first flagd sync
    /// stream or fetch asks, and shared by all of them.
    flagd: std::sync::OnceLock<String>,
}

impl ConfigFeed {
    /// The feed of a document the control plane has just built.
    #[must_use]
    pub fn new(doc: ConfigDoc) -> ConfigFeed {
        let frame = serde_json::to_string(&doc).expect("config serializes");
        ConfigFeed::with_frame(doc, frame)
    }

    /// The feed of a document received as JSON (by an edge), served byte for byte as it came.
    pub fn parse(frame: String) -> Result<ConfigFeed, serde_json::Error> {
        let doc = serde_json::from_str(&frame)?;
        Ok(ConfigFeed::with_frame(doc, frame))
    }

    fn with_frame(doc: ConfigDoc, frame: String) -> ConfigFeed {
        let etag = format!("\"{}-{}-{}\"", doc.rollout, doc.lineage, doc.revision);
        ConfigFeed {
            doc,
            frame: frame.into(),
            etag,
            flagd: std::sync::OnceLock::new(),
        }
    }

    /// The document as flagd's in-process providers read it.
    pub fn flagd_configuration(&self) -> &str {
        self.flagd
            .get_or_init(|| crate::openfeature::flagd::configuration(&self.doc).to_string())
    }
}

/// What every app-facing handler shares.
pub struct Apps {
    /// The latest config document.
    pub config: watch::Receiver<Arc<ConfigFeed>>,
    /// Counts each config revision's deliveries.
    pub deliveries: Arc<Deliveries>,
    /// Token checks, reloadable.
    pub auth: Arc<SharedAuth>,
    /// Counters.
    pub stats: Arc<Stats>,
    /// Stops every stream.
    pub cancel: CancellationToken,
    /// Whether clients reach this server over TLS (`https`).
    pub tls: bool,
    /// Signs the OFREP event-stream URLs' tokens.
    pub sse_key: SseKey,
}

/// The routes apps use: `/v1/assign`, `/v1/config`, `/v1/config/stream` and OFREP.
pub fn routes(apps: Arc<Apps>) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/v1/assign", get(assign))
        .route("/v1/config", get(config))
        .route("/v1/config/stream", get(super::stream::config_stream))
        .merge(super::ofrep::routes())
        .with_state(apps)
}

#[derive(Debug, Deserialize)]
pub struct AssignQuery {
    cohort: String,
    unit: String,
}

/// `GET /v1/assign?cohort=C&unit=U`.
pub async fn assign(
    State(apps): State<Arc<Apps>>,
    headers: HeaderMap,
    query: Result<Query<AssignQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    authorized(&apps.auth, &headers)?;
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "{} (write /v1/assign?cohort=DEPT/COHORT&unit=UNIT)",
                e.body_text()
            ),
        )
    })?;
    let feed = apps.config.borrow().clone();
    let c = feed
        .doc
        .cohorts
        .iter()
        .find(|c| c.id == q.cohort)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_cohort",
                format!("no cohort `{}`", q.cohort),
            )
        })?;
    let algorithm = crate::openfeature::algorithm(feed.doc.assignment);
    let bucket = assign::CohortBuckets::new(algorithm, &feed.doc.salt, &c.id).bucket(&q.unit);
    let variant = if bucket < c.weight_bp {
        wire::Variant::Enhanced
    } else {
        wire::Variant::Legacy
    };
    Ok(Json(AssignReply {
        cohort: c.id.clone(),
        unit: q.unit,
        variant,
        mode: c.mode,
        bucket,
        weight_bp: c.weight_bp,
        flags: c.flags.clone(),
        revision: feed.doc.revision,
    })
    .into_response())
}

/// `GET /v1/config` with `ETag` / `If-None-Match`.
pub async fn config(State(apps): State<Arc<Apps>>, headers: HeaderMap) -> ApiResult<Response> {
    authorized(&apps.auth, &headers)?;
    let feed = apps.config.borrow().clone();
    let etag = HeaderValue::from_str(&feed.etag).expect("etag is ASCII");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        feed.frame.as_str().to_owned(),
    )
        .into_response())
}
