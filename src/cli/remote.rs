//! Headless commands against a running control plane: `status`, `events [--follow]` and the
//! actions. Output is for people by default and JSON with `--json`; a refusal prints the
//! server's reason and exits 2, an error exits 1.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};

use super::{ActArgs, Command, RemoteArgs};
use crate::client::{self, Client, ClientError};
use crate::engine::view::StateView;
use crate::engine::{Event, EventKind};
use crate::plan::Weight;
use crate::protocol::{ActionBody, ServerMessage};
use crate::settings::Settings;

/// A client from flags, then settings, then defaults.
pub fn client(remote: &RemoteArgs, settings: &Settings) -> Client {
    let url = remote
        .connect
        .clone()
        .or_else(|| settings.connect.clone())
        .unwrap_or_else(|| client::DEFAULT_URL.to_owned());
    let token = remote.token.clone().or_else(|| settings.token.clone());
    Client::new(&url, token)
}

fn outcome(e: ClientError) -> Result<ExitCode> {
    match e {
        ClientError::Refused { body, .. } => {
            eprintln!("refused: {}", body.message);
            Ok(ExitCode::from(2))
        }
        other => Err(eyre!(other)),
    }
}

/// Prints the state for people.
#[must_use]
pub fn describe(s: &StateView) -> String {
    let mut out = format!(
        "{} · revision {} · {}\nphase {}/{} {} · step {}/{} {}\n",
        s.rollout,
        s.revision,
        serde_json::to_value(s.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_uppercase))
            .unwrap_or_default(),
        s.phase_number,
        s.phase_count,
        s.phase,
        s.step_number,
        s.step_count,
        s.step
    );
    for c in &s.cohorts {
        let weight = Weight::from_bp(u32::from(c.weight_bp)).unwrap_or_default();
        let standing = serde_json::to_value(c.standing)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<36} {:<9} {:>6}  {standing}",
            c.id,
            c.mode.name(),
            weight.to_string()
        );
    }
    if !s.kill_switches.is_empty() {
        let _ = writeln!(out, "kill switches engaged: {}", s.kill_switches.join(", "));
    }
    out
}

/// `cutover status`.
pub async fn status(client: &Client, json: bool) -> Result<ExitCode> {
    match client.state().await {
        Ok(s) if json => {
            println!("{}", serde_json::to_string_pretty(&s)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(s) => {
            print!("{}", describe(&s));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => outcome(e),
    }
}

fn print_event(seq: u64, event: &Event, json: bool) {
    if json {
        println!("{}", serde_json::json!({ "seq": seq, "event": event }));
    } else {
        println!("{seq:>6}  {}  {event}", event.at.to_rfc3339());
    }
}

/// `cutover events [--since] [--follow] [--json]`.
pub async fn events(client: &Client, since: u64, follow: bool, json: bool) -> Result<ExitCode> {
    let mut next = since;
    loop {
        let (records, after) = match client.events(next, 500).await {
            Ok(page) => page,
            Err(e) => return outcome(e),
        };
        for r in &records {
            let event = Event {
                at: r.transition.at,
                kind: EventKind::Transition(r.transition.clone()),
            };
            print_event(r.seq, &event, json);
        }
        let done = records.len() < 500;
        next = after;
        if done {
            break;
        }
    }
    if follow {
        return follow_stream(client, json).await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Streams every event, alert included, reconnecting with backoff and resuming by seq.
async fn follow_stream(client: &Client, json: bool) -> Result<ExitCode> {
    let mut resume: Option<(u64, u64)> = None;
    let mut backoff = Duration::from_millis(250);
    loop {
        let mut stream = match client.stream(resume).await {
            Ok(s) => s,
            Err(e @ ClientError::Refused { .. }) => return outcome(e),
            Err(e) => {
                eprintln!("{e}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        let mut epoch = 0;
        while let Some(msg) = client::next_message(&mut stream).await {
            let msg = match msg {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("{e}");
                    break;
                }
            };
            backoff = Duration::from_millis(250);
            match &msg {
                ServerMessage::Hello { epoch: e, .. } => epoch = *e,
                ServerMessage::Event { seq, event, .. }
                | ServerMessage::Alert { seq, event, .. } => print_event(*seq, event, json),
                _ => {}
            }
            if !matches!(msg, ServerMessage::Hello { .. }) {
                resume = Some((msg.seq(), epoch));
            }
        }
        eprintln!("stream closed; reconnecting in {backoff:?}");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// The action body of an action command, and its common arguments.
pub fn action_body(command: Command) -> Result<(ActionBody, ActArgs)> {
    let (action, target, value, text, act) = match command {
        Command::Advance(a) => ("advance", None, None, None, a),
        Command::Pause(a) => ("pause", None, None, None, a),
        Command::Resume { target, act } => ("resume", target, None, None, act),
        Command::Rollback { target, act } => ("rollback", Some(target), None, None, act),
        Command::Kill { switch, act } => ("kill", switch, None, None, act),
        Command::Approve { gate, act } => ("approve", Some(gate), None, None, act),
        Command::SetWeight {
            cohort,
            percent,
            act,
        } => ("set-weight", Some(cohort), Some(percent), None, act),
        Command::Ack { alert, act } => ("ack", Some(alert), None, None, act),
        Command::Note { text, act } => ("note", None, None, Some(text.join(" ")), act),
        other => return Err(eyre!("not an action: {other:?}")),
    };
    let key = act.idempotency_key.clone().unwrap_or_else(fresh_key);
    let body = ActionBody {
        action: action.into(),
        target,
        value,
        text,
        reason: act.reason.clone(),
        idempotency_key: Some(key),
        expected_revision: act.expect_revision,
    };
    Ok((body, act))
}

fn fresh_key() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("cli-{}-{nanos}", std::process::id())
}

/// Sends an action and reports the result.
pub async fn act(client: &Client, body: ActionBody) -> Result<ExitCode> {
    match client.act(&body).await {
        Ok(reply) => {
            let note = if reply.duplicate {
                " (already done: same idempotency key)"
            } else {
                ""
            };
            println!("{} done: revision {}{note}", body.text(), reply.revision);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => outcome(e),
    }
}
