//! Headless commands against a running control plane: `status`, `events [--follow]` and the
//! actions. Output is for people by default and JSON with `--json`; a refusal prints the
//! server's reason and exits 2, an error exits 1.

use std::fmt::Write as _;
use std::process::ExitCode;

use color_eyre::eyre::{Result, eyre};
use tokio::sync::mpsc;

use super::{ActArgs, Command, RemoteArgs};
use crate::client::subscription::{self, EventStream, Link, Update};
use crate::client::{self, Client, ClientError};
use crate::settings::Settings;
use crate::wire::{self, Action, ActionRequest, Event, EventKind, ServerMessage, StateView};

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
        s.status.label(),
        s.phase_number,
        s.phase_count,
        s.phase,
        s.step_number,
        s.step_count,
        s.step
    );
    for c in &s.cohorts {
        let standing = wire::format::standing(c.standing);
        let _ = writeln!(
            out,
            "  {:<36} {:<9} {:>6}  {standing}",
            c.id,
            c.mode.name(),
            wire::format::percent(c.weight_bp)
        );
    }
    if !s.kill_switches.is_empty() {
        let _ = writeln!(out, "kill switches engaged: {}", s.kill_switches.join(", "));
    }
    if let Some(rival) = s.nats.as_ref().and_then(|l| l.rival.as_ref()) {
        let _ = writeln!(
            out,
            "NOT PUBLISHING: lineage {rival} of another control plane holds the NATS bucket (this one publishes nothing; --nats-take-over claims it)"
        );
    }
    if let Some(link) = s.nats.as_ref().filter(|l| !l.connected) {
        let since = chrono::DateTime::from_timestamp_millis(link.since)
            .map(|d| d.format(" since %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "NATS DOWN{since}: the control plane can reach no edge nor hear from one"
        );
    }
    if !s.edges.is_empty() {
        let _ = writeln!(out, "edges:");
    }
    for e in &s.edges {
        let status = match e.status {
            wire::EdgeStatus::Live => "live",
            wire::EdgeStatus::Stale => "stale",
            wire::EdgeStatus::Lost => "lost",
        };
        let _ = writeln!(
            out,
            "  {:<36} {status:<9} revision {} · sent to {}/{} subscribers",
            e.id, e.revision, e.sent, e.subscribers
        );
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

/// Prints one event, numbered by the journal's seq (the number the dashboard shows too);
/// alerts and refusals are not journaled and have none.
fn print_event(event: &Event, json: bool) {
    let seq = event.journal_seq();
    if json {
        println!("{}", serde_json::json!({ "seq": seq, "event": event }));
    } else {
        let number = seq.map_or_else(|| "      ".to_owned(), |n| format!("{n:>6}"));
        println!("{number}  {}  {event}", wire::format::rfc3339(event.at));
    }
}

/// `cutover events [--since] [--follow] [--json]`: the journal from `since`, then (following)
/// everything that happens. When following, the stream is opened first and the journal read
/// after it, so nothing falls between the two; transitions seen in both print once.
pub async fn events(client: &Client, since: u64, follow: bool, json: bool) -> Result<ExitCode> {
    const PAGE: usize = 500;
    let mut stream = None;
    if follow {
        let (tx, mut rx) = mpsc::channel(1024);
        tokio::spawn(subscription::follow(
            client.clone(),
            EventStream::default(),
            tx,
        ));
        // Wait until the stream is open (its hello), then read the journal.
        loop {
            match rx.recv().await {
                Some(Update::Message(_)) => break,
                Some(Update::Refused(body)) => {
                    eprintln!("refused: {}", body.message);
                    return Ok(ExitCode::from(2));
                }
                Some(Update::Link(Link::Reconnecting { error })) => {
                    let why = error.unwrap_or_default();
                    eprintln!("waiting for the control plane at {}: {why}", client.base());
                }
                Some(Update::Link(_)) => {}
                None => return Ok(ExitCode::from(1)),
            }
        }
        stream = Some(rx);
    }
    let mut next = since;
    let mut printed = 0;
    loop {
        let page = match client.events(next, PAGE).await {
            Ok(page) => page,
            Err(e) => return outcome(e),
        };
        for r in &page.events {
            let event = Event {
                at: r.transition.at,
                kind: EventKind::Transition(r.transition.clone()),
            };
            print_event(&event, json);
        }
        printed += page.events.len();
        next = page.next;
        if page.events.len() < PAGE {
            break;
        }
    }
    if printed == 0 && !json {
        eprintln!("no journaled events after #{since} yet");
    }
    match stream {
        Some(rx) => follow_stream(rx, next, json).await,
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Prints what the stream brings after journal seq `printed`, reconnecting as the shared
/// subscription does. A refused connection (a bad token) ends it with exit 2.
async fn follow_stream(
    mut rx: mpsc::Receiver<Update<ServerMessage>>,
    mut printed: u64,
    json: bool,
) -> Result<ExitCode> {
    while let Some(update) = rx.recv().await {
        match update {
            Update::Message(
                ServerMessage::Event { event, .. } | ServerMessage::Alert { event, .. },
            ) => {
                if let Some(seq) = event.journal_seq() {
                    if seq <= printed {
                        continue;
                    }
                    printed = seq;
                }
                print_event(&event, json);
            }
            Update::Message(_) | Update::Link(Link::Connecting | Link::Live) => {}
            Update::Link(Link::Reconnecting { error }) => {
                let why = error.map(|e| format!(" ({e})")).unwrap_or_default();
                eprintln!("stream closed{why}; reconnecting");
            }
            Update::Refused(body) => {
                eprintln!("refused: {}", body.message);
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The action request of an action command, and its common arguments.
pub fn action_request(command: Command) -> Result<(ActionRequest, ActArgs)> {
    let (action, act) = match command {
        Command::Advance(a) => (Action::Advance, a),
        Command::Pause(a) => (Action::Pause, a),
        Command::Resume { target, act } => (Action::Resume { target }, act),
        Command::Rollback { target, act } => (Action::Rollback { target }, act),
        Command::Kill { switch, act } => (Action::Kill { target: switch }, act),
        Command::Approve { gate, act } => (Action::Approve { target: gate }, act),
        Command::SetWeight {
            cohort,
            percent,
            act,
        } => (
            Action::SetWeight {
                target: cohort,
                value: percent,
            },
            act,
        ),
        Command::Ack { alert, act } => (Action::Ack { target: alert }, act),
        Command::Note { text, act } => (
            Action::Note {
                text: text.join(" "),
            },
            act,
        ),
        other => return Err(eyre!("not an action: {other:?}")),
    };
    let mut request = client::envelope(action, &act.reason, act.expect_revision);
    request.idempotency_key = Some(
        act.idempotency_key
            .clone()
            .unwrap_or_else(|| client::fresh_key("cli")),
    );
    Ok((request, act))
}

/// Sends an action and reports the result.
pub async fn act(client: &Client, request: ActionRequest) -> Result<ExitCode> {
    let text = request.action.to_string();
    match client.act(request).await {
        Ok(reply) => {
            match (&reply.unchanged, reply.duplicate) {
                (Some(why), _) => println!(
                    "{text}: nothing to change, {why} (still revision {})",
                    reply.revision
                ),
                (None, true) => println!(
                    "{text} done: revision {} (already done: same idempotency key)",
                    reply.revision
                ),
                (None, false) => println!("{text} done: revision {}", reply.revision),
            }
            if let Some(rival) = reply.state.nats.as_ref().and_then(|l| l.rival.as_ref()) {
                eprintln!(
                    "warning: this control plane is NOT PUBLISHING (lineage {rival} of another one holds the NATS bucket): apps behind edges do not get this revision"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => outcome(e),
    }
}
