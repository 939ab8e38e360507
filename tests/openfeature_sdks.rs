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

/// `/v1/assign`'s variant for each unit, after putting `shop/staff` at 30 %.
async fn at_thirty_percent(s: &TestServer) -> BTreeMap<String, String> {
    let (status, body) = s
        .act(ADA, json!({"action": "set-weight", "target": "shop/staff", "value": 30.0, "reason": "sdk test"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assigned(s).await
}

/// One in-process provider against one rollout: its 1,000 answers agree with `/v1/assign`;
/// after a kill, pushed on its open `SyncFlags` stream, every answer is legacy.
async fn in_process_follows(s: &TestServer, script: tokio::process::Command, name: &str) {
    let want = at_thirty_percent(s).await;
    let flagd = s.running.flagd_addr.expect("--flagd-sync").to_string();
    let (host, port) = flagd.rsplit_once(':').unwrap();
    let units = UNITS.to_string();
    let mut sdk = Script::spawn(
        script,
        &[host, port, "minimal", "shop/staff", "0", units.as_str()],
    );
    let got = answers(&sdk.take(UNITS, 300).await);
    let keyless = sdk.next(60).await;
    assert_eq!(
        keyless["keyless"], "legacy",
        "{name}: no unit, the code default: {keyless}"
    );
    assert_eq!(sdk.next(60).await["ready"], true);
    for (unit, (value, _)) in &got {
        assert_eq!(value, &want[unit], "{name}: {unit}");
    }
    assert_eq!(
        cutover::server::stats::Stats::get(&s.running.app.stats.flagd_sync_streams),
        1,
        "{name}"
    );
    let (status, body) = s
        .act(ALICE, json!({"action": "kill", "reason": "sdk test"}))
        .await;
    assert_eq!(status, 200, "{body}");
    sdk.say("again").await;
    let after = answers(&sdk.take(UNITS, 300).await);
    assert_eq!(sdk.next(60).await["keyless"], "legacy");
    assert!(
        after.values().all(|(v, _)| v == "legacy"),
        "{name}: every unit on legacy after the kill"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_in_process_provider_follows_a_fractional_v3_rollout() {
    let s = TestServer::with("minimal", |o| {
        o.flagd_sync = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    in_process_follows(&s, python("flagd_units.py"), "python flagd in-process (v3)").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_javascript_in_process_provider_follows_a_fractional_v2_rollout() {
    let plan = std::sync::Arc::new(common::profile_with(
        "minimal",
        "assignment = \"fractional-v2\"",
    ));
    let s = TestServer::with("minimal", |o| {
        o.plan = plan;
        o.flagd_sync = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    in_process_follows(
        &s,
        node("flagd_units.mjs"),
        "javascript flagd in-process (v2)",
    )
    .await;
}

/// Every flag configuration the demos publish, from the first window to the wind-down, and
/// after a kill, is valid against flagd's `flags.json` schema (flagd-core's strict check).
#[tokio::test(flavor = "multi_thread")]
async fn flag_configurations_are_valid_against_flagds_schema() {
    let mut docs = Vec::new();
    for profile in [
        "vividwalls",
        "aixtiv",
        "react-playbook",
        "aigentflow",
        "minimal",
    ] {
        let mut walk = common::walk::Walk::demo(profile);
        let mut last = None;
        walk.until(400, |w| {
            let doc = cutover::server::published::build_config(
                &w.plan,
                &w.state,
                "l",
                w.plan.assignment(),
            )
            .doc;
            if last != Some(doc.revision) {
                last = Some(doc.revision);
                docs.push(doc);
            }
            false
        });
        let mut killed = docs.last().unwrap().clone();
        killed.status = cutover::wire::Status::Killed;
        killed.kill_switches.values_mut().for_each(|v| *v = true);
        killed.cohorts.iter_mut().for_each(|c| c.weight_bp = 0);
        docs.push(killed);
    }
    assert!(docs.len() > 20, "{} configurations", docs.len());
    let mut check = Script::spawn(node("flagd_schema_check.mjs"), &[]);
    for doc in &docs {
        let config = cutover::openfeature::flagd::configuration(doc).to_string();
        check.say(&config).await;
        let verdict = check.next(60).await;
        assert_eq!(verdict["ok"], true, "{}: {verdict}\n{config}", doc.rollout);
    }
}
