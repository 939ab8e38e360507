//! OFREP on `cutover serve`, over real HTTP: single and bulk evaluation with every error shape
//! of the spec, `ETag` / 304 / `flagConfigEtag`, tokens as `Authorization` or `X-API-Key`, and
//! the event stream, whose URL carries its own token and which says `refetchEvaluation` on a
//! kill. The real OpenFeature SDKs are driven against it in `openfeature_sdks.rs`.

mod common;

use std::time::Duration;

use common::server::{TestServer, eventually};
use cutover::assign::{Algorithm, CohortBuckets};
use serde_json::{Value, json};

const VIC: &str = "vic-viewer-token";
const ALICE: &str = "alice-operator-token";

async fn evaluate(
    s: &TestServer,
    key: &str,
    body: &str,
    auth: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut req = s
        .http
        .post(s.url(&format!("/ofrep/v1/evaluate/flags/{key}")))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some((name, value)) = auth {
        req = req.header(name, value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Vic's token as OFREP providers send it.
const AS_VIC: Option<(&str, &str)> = Some(("authorization", "Bearer vic-viewer-token"));

#[tokio::test(flavor = "multi_thread")]
async fn single_evaluation_follows_the_assignment_and_names_what_is_wrong() {
    let s = TestServer::start("minimal").await;
    let auth = AS_VIC;
    let buckets = CohortBuckets::new(Algorithm::FractionalV3, "minimal", "shop/staff");
    for i in 0..50 {
        let unit = format!("user-{i}");
        let body = json!({"context": {"targetingKey": unit, "cohort": "shop/staff"}}).to_string();
        let (status, e) = evaluate(&s, "minimal", &body, auth).await;
        assert_eq!(status, 200, "{e}");
        let want = if buckets.bucket(&unit) < 1000 {
            "enhanced"
        } else {
            "legacy"
        };
        assert_eq!(e["value"], want);
        assert_eq!(e["variant"], want);
        assert_eq!(e["reason"], "SPLIT");
        assert_eq!(e["key"], "minimal");
        assert_eq!(e["metadata"]["weight_bp"], 1000);
        assert_eq!(e["metadata"]["mode"], "canary");
    }
    // X-API-Key works as well as a bearer token; nothing at all is a bare 401.
    let body = json!({"context": {"targetingKey": "u", "cohort": "shop/staff"}}).to_string();
    assert_eq!(
        evaluate(&s, "minimal", &body, Some(("x-api-key", VIC)))
            .await
            .0,
        200
    );
    assert_eq!(
        evaluate(&s, "minimal", &body, None).await,
        (401, Value::Null)
    );
    assert_eq!(
        evaluate(&s, "minimal", &body, Some(("x-api-key", "nope"))).await,
        (401, Value::Null)
    );

    let cases = [
        ("minimal", "{not json", 400, "PARSE_ERROR", "not JSON"),
        (
            "minimal",
            r#"{"context": {"cohort": "shop/staff"}}"#,
            400,
            "TARGETING_KEY_MISSING",
            "targetingKey",
        ),
        (
            "minimal",
            r#"{"context": {"targetingKey": "u"}}"#,
            400,
            "INVALID_CONTEXT",
            "shop/staff, shop/customers",
        ),
        (
            "minimal",
            r#"{"context": {"targetingKey": "u", "cohort": "shop/ghosts"}}"#,
            400,
            "INVALID_CONTEXT",
            "no cohort `shop/ghosts`",
        ),
        (
            "minimal",
            r#"{"context": {"targetingKey": 42, "cohort": "shop/staff"}}"#,
            400,
            "INVALID_CONTEXT",
            "must be a string",
        ),
        (
            "nope",
            r#"{"context": {}}"#,
            404,
            "FLAG_NOT_FOUND",
            "minimal.mirror",
        ),
    ];
    for (key, body, status, code, says) in cases {
        let (got, e) = evaluate(&s, key, body, auth).await;
        assert_eq!(got, status, "{body}: {e}");
        assert_eq!(e["key"], key);
        assert_eq!(e["errorCode"], code, "{body}: {e}");
        let details = e["errorDetails"].as_str().unwrap();
        assert!(details.contains(says), "{body}: {details}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_answers_legacy_static_never_disabled() {
    let s = TestServer::start("minimal").await;
    let (status, _) = s
        .act(ALICE, json!({"action": "kill", "reason": "test"}))
        .await;
    assert_eq!(status, 200);
    let auth = AS_VIC;
    for i in 0..50 {
        let body =
            json!({"context": {"targetingKey": format!("user-{i}"), "cohort": "shop/staff"}})
                .to_string();
        let (status, e) = evaluate(&s, "minimal", &body, auth).await;
        assert_eq!(status, 200);
        assert_eq!(
            (
                e["value"].as_str(),
                e["variant"].as_str(),
                e["reason"].as_str()
            ),
            (Some("legacy"), Some("legacy"), Some("STATIC"))
        );
        assert_eq!(e["metadata"]["killed"], true);
    }
}

struct Bulk {
    status: u16,
    etag: Option<String>,
    body: Value,
}

async fn bulk(s: &TestServer, query: &str, context: Value, if_none_match: Option<&str>) -> Bulk {
    let mut req = s
        .http
        .post(s.url(&format!("/ofrep/v1/evaluate/flags{query}")))
        .bearer_auth(VIC)
        .json(&json!({"context": context}));
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let resp = req.send().await.unwrap();
    Bulk {
        status: resp.status().as_u16(),
        etag: resp
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: resp.json().await.unwrap_or(Value::Null),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_evaluation_has_an_etag() {
    let s = TestServer::start("minimal").await;
    let context = json!({"targetingKey": "user-7", "cohort": "shop/staff"});
    let first = bulk(&s, "", context.clone(), None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let keys: Vec<&str> = first.body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys[..2], ["minimal", "minimal.mirror"]);
    let etag = first.etag.clone().expect("an ETag");
    // Unchanged: 304, no body.
    let again = bulk(&s, "", context.clone(), Some(&etag)).await;
    assert_eq!(
        (again.status, again.etag.as_deref()),
        (304, Some(etag.as_str()))
    );
    // Another subject has another ETag.
    let other = bulk(
        &s,
        "",
        json!({"targetingKey": "user-8", "cohort": "shop/staff"}),
        Some(&etag),
    )
    .await;
    assert_eq!(other.status, 200);
    // A weak or listed tag matches too (a compressing proxy makes tags weak).
    let weak = bulk(&s, "", context.clone(), Some(&format!("\"x\", W/{etag}"))).await;
    assert_eq!(weak.status, 304);
    // An unknown cohort: each flag that needs one says so, naming the cohorts (a browser's
    // provider shows the reason, where a whole-request failure would lose it); the kill
    // switches need none.
    let bad = bulk(&s, "", json!({"targetingKey": "u", "cohort": "x/y"}), None).await;
    assert_eq!(bad.status, 200);
    assert_eq!(bad.body["flags"][0]["errorCode"], "INVALID_CONTEXT");
    assert!(
        bad.body["flags"][0]["errorDetails"]
            .as_str()
            .unwrap()
            .contains("shop/staff")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_event_stream_says_refetch_and_the_refetch_closes_the_loop() {
    let s = TestServer::start("minimal").await;
    let context = json!({"targetingKey": "user-7", "cohort": "shop/staff"});
    let first = bulk(&s, "", context.clone(), None).await;
    let etag = first.etag.clone().expect("an ETag");

    // The event stream: its URL carries a token of its own (EventSource sends no headers).
    let stream = &first.body["eventStreams"][0];
    assert_eq!(stream["type"], "sse");
    let url = stream["url"].as_str().unwrap().to_owned();
    assert!(url.contains("/ofrep/v1/events?token="), "{url}");
    let mut resp = s.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    let mut next_event = async || loop {
        if let Some(at) = seen.find("\n\n") {
            let event: String = seen.drain(..at + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                return serde_json::from_str::<Value>(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(30), resp.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    };
    let hello = next_event().await;
    assert_eq!(hello["type"], "refetchEvaluation");
    let config_etag = s
        .http
        .get(s.url("/v1/config"))
        .bearer_auth(VIC)
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(hello["etag"], config_etag);

    let (status, _) = s
        .act(ALICE, json!({"action": "kill", "reason": "test"}))
        .await;
    assert_eq!(status, 200);
    let refetch = next_event().await;
    assert_eq!(refetch["type"], "refetchEvaluation");
    let new_etag = refetch["etag"].as_str().unwrap().to_owned();
    assert_ne!(new_etag, config_etag);
    // The refetch, citing the new config ETag: the old bulk ETag no longer matches, and the
    // answer is legacy.
    let after = bulk(
        &s,
        &format!("?flagConfigEtag={}", urlencode(&new_etag)),
        context.clone(),
        Some(&etag),
    )
    .await;
    assert_eq!(after.status, 200);
    assert_eq!(after.body["flags"][0]["value"], "legacy");
    assert_eq!(after.body["flags"][0]["metadata"]["killed"], true);
    // The closed loop: the kill's revision went to one subscriber, this event-stream client,
    // which has it once it refetched citing the new config ETag.
    assert_eq!(
        cutover::server::stats::Stats::get(&s.running.app.stats.ofrep_sse_clients),
        1
    );
    eventually(
        "the kill's delivery counts the event-stream client",
        Duration::from_secs(10),
        || async {
            let snap = s.running.app.core.snapshot.borrow().clone();
            snap.delivery
                .as_ref()
                .is_some_and(|d| (d.revision, d.sent, d.subscribers, d.complete) == (1, 1, 1, true))
        },
    )
    .await;

    // A forged or foreign token is refused.
    let forged = url.replace("token=", "token=1");
    assert_eq!(s.http.get(&forged).send().await.unwrap().status(), 401);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_holders_event_stream_closes_and_its_url_is_refused() {
    let s = TestServer::with("minimal", |o| {
        o.tokens_file = Some(o.data.parent().unwrap().join("tokens.toml"));
    })
    .await;
    let first = bulk(
        &s,
        "",
        json!({"targetingKey": "u", "cohort": "shop/staff"}),
        None,
    )
    .await;
    let url = first.body["eventStreams"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.contains(".vic."), "the token names its holder: {url}");
    let mut resp = s.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let hello = tokio::time::timeout(Duration::from_secs(30), resp.chunk())
        .await
        .unwrap()
        .unwrap();
    assert!(hello.is_some_and(|c| String::from_utf8_lossy(&c).contains("refetchEvaluation")));
    let without_vic = common::server::TOKENS.replace(
        "[[token]]\nname = \"vic\"\nrole = \"viewer\"\ntoken = \"vic-viewer-token\"\n",
        "",
    );
    std::fs::write(s.dir.path().join("tokens.toml"), without_vic).unwrap();
    // The stream ends (keep-alive comments aside) once the file is reloaded.
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match resp.chunk().await {
                Ok(Some(c)) if String::from_utf8_lossy(&c).starts_with(':') => {}
                Ok(Some(c)) => panic!("unexpected event after revocation: {c:?}"),
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the revoked holder's stream closes");
    assert_eq!(
        s.http.get(&url).send().await.unwrap().status(),
        401,
        "and its URL is refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_may_call_from_another_origin_and_auth_follows_http() {
    let s = TestServer::start("minimal").await;
    let preflight = s
        .http
        .request(reqwest::Method::OPTIONS, s.url("/ofrep/v1/evaluate/flags"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let body = json!({"context": {"targetingKey": "u", "cohort": "shop/staff"}}).to_string();
    let answer = s
        .http
        .post(s.url("/ofrep/v1/evaluate/flags/minimal"))
        .header("origin", "https://shop.example")
        .header("authorization", format!("bearer {VIC}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        200,
        "the scheme's name is case-insensitive"
    );
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
    let refused = s
        .http
        .post(s.url("/ofrep/v1/evaluate/flags/minimal"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
}

#[tokio::test(flavor = "multi_thread")]
async fn flagd_sync_is_refused_for_a_rollout_its_providers_cannot_compute() {
    let plan = std::sync::Arc::new(common::profile_with(
        "minimal",
        "assignment = \"cutover-v1\"",
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut opts = common::server::options("minimal", dir.path());
    opts.plan = plan;
    opts.flagd_sync = Some("127.0.0.1:0".parse().unwrap());
    let err = cutover::server::start(opts).await.err().expect("refused");
    assert!(
        matches!(err, cutover::server::StartError::FlagdNeedsFractional(_)),
        "{err}"
    );
    assert!(err.to_string().contains("OFREP"), "{err}");
}
