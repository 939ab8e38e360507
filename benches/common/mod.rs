//! What the load harnesses share: a process's CPU time, percentiles, and a WebSocket client
//! with a small read buffer (10,000 of them share the machine with the servers they measure).

#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

/// CPU seconds (user + system) the process has used.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let hz: f64 = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    ticks / hz
}

/// The `p` quantile (0–1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// A WebSocket connection to `url`, retried for a few seconds.
pub async fn ws(
    url: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    for _ in 0..50 {
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(4096);
        if let Ok((s, _)) =
            tokio_tungstenite::connect_async_with_config(url, Some(config), false).await
        {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot connect to {url}");
}

/// Subscribes to the config stream at `url` and sends the time on `killed` each time a
/// document saying the rollout is killed arrives. The first document (the current one) is
/// read before this returns. `status` precedes the cohort list, so only the head of each
/// document is looked at: thousands of these simulated apps share the cores of the servers
/// they measure.
pub async fn killed_subscriber(
    url: &str,
    killed: tokio::sync::mpsc::UnboundedSender<std::time::Instant>,
) -> tokio::task::JoinHandle<()> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let mut s = ws(url).await;
    s.next().await.unwrap().unwrap();
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(t))) = s.next().await {
            if t.as_bytes()
                .windows(17)
                .take(400)
                .any(|w| w == b"\"status\":\"killed\"")
            {
                let _ = killed.send(std::time::Instant::now());
            }
        }
    })
}
