//! The real OpenFeature SDKs follow a rollout through OFREP: Python (`openfeature-sdk` with
//! `openfeature-provider-ofrep`), the JavaScript server SDK with `@openfeature/ofrep-provider`,
//! and the web SDK with `@openfeature/ofrep-web-provider` (bulk evaluation, ETag/304, and the
//! event stream through an `EventSource` polyfill). For 1,000 units of a cohort at 30 %,
//! every SDK's own `get…Details` call gives the variant `/v1/assign` gives; after a kill every
//! one answers legacy, the web provider once its event stream has made it fetch again.

mod common;

use std::collections::BTreeMap;

use common::sdk::{Script, node, python};
use common::server::TestServer;
use serde_json::{Value, json};

const VIC: &str = "vic-viewer-token";
const ADA: &str = "ada-admin-token";
const ALICE: &str = "alice-operator-token";
const UNITS: usize = 1000;

/// `/v1/assign`'s variant for each unit.
async fn assigned(s: &TestServer) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for i in 0..UNITS {
        let unit = format!("unit-{i}");
        let (status, a) = s
            .get(
                &format!("/v1/assign?cohort=shop/staff&unit={unit}"),
                Some(VIC),
            )
            .await;
        assert_eq!(status, 200, "{a}");
        out.insert(unit, a["variant"].as_str().unwrap().to_owned());
    }
    out
}

fn answers(lines: &[Value]) -> BTreeMap<String, (String, String)> {
    lines
        .iter()
        .map(|l| {
            assert_eq!(l["error"], Value::Null, "{l}");
            assert_eq!(l["value"], l["variant"], "{l}");
            (
                l["unit"].as_str().unwrap().to_owned(),
                (
                    l["value"].as_str().unwrap().to_owned(),
                    l["reason"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_ofrep_sdk_agrees_with_assign_and_follows_a_kill() {
    let s = TestServer::start("minimal").await;
    let (status, body) = s
        .act(ADA, json!({"action": "set-weight", "target": "shop/staff", "value": 30.0, "reason": "sdk test"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let want = assigned(&s).await;
    let enhanced = want.values().filter(|v| *v == "enhanced").count();
    assert!(
        (240..=360).contains(&enhanced),
        "about 30 % enhanced: {enhanced}"
    );

    let base = s.base.clone();
    let units = UNITS.to_string();
    let args = [
        base.as_str(),
        VIC,
        "minimal",
        "shop/staff",
        "0",
        units.as_str(),
    ];
    let py = Script::spawn(python("ofrep_units.py"), &args);
    let js = Script::spawn(node("ofrep_server_units.mjs"), &args);
    let mut web = Script::spawn(node("ofrep_web_follow.mjs"), &args);
    for (name, lines) in [
        ("python", py.all(300).await),
        ("javascript server", js.all(300).await),
    ] {
        let got = answers(&lines);
        assert_eq!(got.len(), UNITS, "{name}");
        for (unit, (value, reason)) in &got {
            assert_eq!(value, &want[unit], "{name}: {unit}");
            assert_eq!(reason, "SPLIT", "{name}: {unit}");
        }
    }
    let mut web_lines = Vec::new();
    for _ in 0..UNITS {
        web_lines.push(web.next(300).await);
    }
    for (unit, (value, _)) in answers(&web_lines) {
        assert_eq!(value, want[&unit], "web: {unit}");
    }
    let ready = web.next(300).await;
    assert_eq!(
        ready["ready"], "enhanced",
        "the web app watches a unit on enhanced: {ready}"
    );

    let (status, body) = s
        .act(ALICE, json!({"action": "kill", "reason": "sdk test"}))
        .await;
    assert_eq!(status, 200, "{body}");
    // The web provider hears of it on its event stream and fetches again.
    let changed = web.next(120).await;
    assert_eq!(
        (changed["changed"].as_str(), changed["reason"].as_str()),
        (Some("legacy"), Some("STATIC")),
        "{changed}"
    );
    assert_eq!(changed["killed"], true);
    // The others ask per evaluation: every unit is on legacy, STATIC.
    let py = Script::spawn(python("ofrep_units.py"), &args);
    let js = Script::spawn(node("ofrep_server_units.mjs"), &args);
    for (name, lines) in [
        ("python", py.all(300).await),
        ("javascript server", js.all(300).await),
    ] {
        let got = answers(&lines);
        assert_eq!(got.len(), UNITS, "{name}");
        assert!(
            got.values().all(|(v, r)| v == "legacy" && r == "STATIC"),
            "{name}: every unit on legacy after the kill"
        );
    }
}
