//! TLS end to end, with a certificate authority and a server certificate made by the test
//! (rcgen): `cutover serve --tls-cert/--tls-key` answers the CLI over https:// with
//! `--ca-cert`, the stream and the config stream over wss://, plain HTTP gets no answer from
//! it, binding beyond loopback without TLS is refused unless `--allow-plaintext`, and webhooks
//! are posted to an https:// receiver that trusts the same CA.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::server::{TestServer, options};
use cutover::client::Client;
use cutover::server::{self, StartError};
use cutover::wire::ServerMessage;
use futures_util::StreamExt;

/// Writes `ca.pem`, `server.pem` and `server.key` (for 127.0.0.1 and localhost) into `dir`.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Names of their own: BoringSSL (gRPC's) takes a certificate whose subject is its
    // issuer's for self-signed.
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cutover test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cutover test server");
    let cert = params.signed_by(&key, &issuer).unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_speak_https_and_wss_to_a_tls_server() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let tls = cutover::tls::server_config(&cert, &key).unwrap();
    let s = TestServer::with("minimal", |o| o.tls = Some(tls)).await;
    let https = s.base.replace("http://", "https://");
    cutover::tls::trust_also(&ca).unwrap();
    let client = Client::new(&https, Some("vic-viewer-token".into()));
    let state = client.state().await.unwrap();
    assert_eq!(state.rollout, "minimal");
    let mut stream = client.stream(None).await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    let hello: ServerMessage = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert!(matches!(hello, ServerMessage::Hello { .. }), "{hello:?}");
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = cutover::tls::http_client()
        .build()
        .unwrap()
        .get(format!("{}/healthz", s.base))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_beyond_loopback_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options("minimal", dir.path());
    opts.listen = "0.0.0.0:0".parse().unwrap();
    let err = server::start(opts.clone()).await.err().unwrap();
    assert!(matches!(err, StartError::PlaintextOnNetwork(_)), "{err}");
    assert!(
        err.to_string()
            .contains("--tls-cert FILE --tls-key FILE, or --allow-plaintext")
    );
    opts.allow_plaintext = true;
    let running = server::start(opts).await.unwrap();
    running.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread")]
async fn flagd_sync_beyond_loopback_needs_tls_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options("minimal", dir.path());
    opts.flagd_sync = Some("0.0.0.0:0".parse().unwrap());
    let err = server::start(opts).await.err().unwrap();
    assert!(
        matches!(err, StartError::FlagdPlaintextOnNetwork(_)),
        "{err}"
    );
    assert!(
        err.to_string().contains("--flagd-sync"),
        "names the listener: {err}"
    );
}

/// The real Python in-process provider syncs over TLS, trusting the test's CA.
#[tokio::test(flavor = "multi_thread")]
async fn the_in_process_provider_syncs_flags_over_tls() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let tls = cutover::tls::server_config(&cert, &key).unwrap();
    let s = TestServer::with("minimal", |o| {
        o.tls = Some(tls);
        o.flagd_sync = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let port = s.running.flagd_addr.unwrap().port().to_string();
    let mut command = common::sdk::python("flagd_units.py");
    command.env("FLAGD_CA", &ca);
    let lines = common::sdk::Script::spawn(
        command,
        &["127.0.0.1", &port, "minimal", "shop/staff", "0", "20"],
    )
    .all(120)
    .await;
    assert_eq!(
        lines.len(),
        22,
        "20 units, the keyless request, ready: {lines:?}"
    );
    for l in &lines[..20] {
        assert_eq!(l["error"], serde_json::Value::Null, "{l}");
        assert_eq!(l["reason"], "TARGETING_MATCH", "{l}");
    }
}

#[test]
fn the_cli_reaches_serve_over_https_with_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let mut serve = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "serve",
            "--profile",
            "minimal",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
        ])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .arg("--data")
        .arg(dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    assert!(base.starts_with("https://"), "{base}");
    let status = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(["status", "--connect", &base])
            .args(extra)
            .env("XDG_CONFIG_HOME", dir.path())
            .env_remove("CUTOVER_CA_CERT")
            .output()
            .unwrap()
    };
    let trusted = status(&["--ca-cert", ca.to_str().unwrap()]);
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("minimal"));
    let untrusted = status(&[]);
    assert_eq!(untrusted.status.code(), Some(1));
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        err.contains("cannot reach") && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    let _ = serve.kill();
    let _ = serve.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_are_posted_over_https() {
    use axum::routing::post;
    use std::sync::{Arc, Mutex};
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    cutover::tls::trust_also(&ca).unwrap();
    let got = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    let sink = got.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        post(move |axum::Json(v): axum::Json<serde_json::Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    let cancel = tokio_util::sync::CancellationToken::new();
    tokio::spawn(cutover::server::listen::serve(
        listener,
        receiver,
        cutover::server::listen::Manners::default(),
        Some(cutover::tls::server_config(&cert, &key).unwrap()),
        Arc::new(cutover::server::stats::Stats::default()),
        cancel.clone(),
    ));
    let s = TestServer::with("minimal", |o| o.webhooks = vec![url]).await;
    let (status, _) = s
        .act(
            "alice-operator-token",
            serde_json::json!({"action": "pause"}),
        )
        .await;
    assert_eq!(status, 200);
    common::server::eventually(
        "the transition at the https receiver",
        std::time::Duration::from_secs(30),
        || async { got.lock().unwrap().len() == 1 },
    )
    .await;
    assert_eq!(
        got.lock().unwrap()[0]["detail"]["command"]["command"],
        "pause"
    );
    cancel.cancel();
}

/// NATS over TLS with a user and password: the control plane publishes and an edge follows,
/// both trusting the test's CA through `--ca-cert`'s trust.
#[tokio::test(flavor = "multi_thread")]
async fn the_control_plane_and_an_edge_reach_nats_over_tls_with_a_password() {
    use cutover::server::fanout::NatsOptions;
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    cutover::tls::trust_also(&ca).unwrap();
    let store = tempfile::tempdir().unwrap();
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
    let nats = common::external::nats_with(
        store.path(),
        None,
        &[
            "--tls",
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
            "--user",
            "cp",
            "--pass",
            "s3cret",
        ],
    )
    .await;
    let url = nats
        .base
        .replace("nats://", "tls://cp:s3cret@")
        .replace("127.0.0.1", "localhost");
    let nats_options = NatsOptions {
        urls: vec![url],
        ..NatsOptions::default()
    };
    let for_serve = nats_options.clone();
    let s = TestServer::with("minimal", |o| o.nats = Some(for_serve)).await;
    let opts = cutover::edge::EdgeOptions {
        id: "tls-1".into(),
        rollout: Some("minimal".into()),
        nats: nats_options,
        trust: cutover::signing::TrustedKey::load(&s.dir.path().join("data/config-signing.pub"))
            .unwrap(),
        listen: "127.0.0.1:0".parse().unwrap(),
        auth: cutover::server::auth::Auth::Open,
        tokens_file: None,
        tls: None,
        allow_plaintext: false,
        flagd_sync: None,
        manners: cutover::server::listen::Manners::default(),
        report_every: std::time::Duration::from_millis(100),
        stale_after: std::time::Duration::from_secs(1),
    };
    let start = cutover::edge::start(opts, tokio_util::sync::CancellationToken::new());
    let edge = tokio::time::timeout(std::time::Duration::from_secs(30), start)
        .await
        .expect("the first document within 30 s (a refused login waits for ever)")
        .unwrap()
        .expect("the first document, over TLS");
    assert_eq!(edge.edge.apps.config.borrow().doc.rollout, "minimal");
    assert_eq!(cutover::edge::health(&edge.edge).status, "ok");
}
