//! The dashboard (`cutover`, `cutover demo`). One bounded channel carries every input to the
//! loop — keys, stream messages, action results, clock ticks and signals; the loop updates
//! [`app::App`] and redraws only when something visible changed, at most ten times a second
//! for data (keys redraw at once). The stream reconnects with jittered exponential backoff and
//! resumes by seq; actions go over HTTP and their results come back as toasts.

pub mod app;
pub mod keymap;
pub mod panes;
pub mod terminal;
pub mod theme;

use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{
    Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use self::app::{App, Conn, Effect};
use crate::client::{self, Client, ClientError};
use crate::protocol::{ActionBody, ActionReply, ServerMessage};

/// How the dashboard starts.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// Control plane URL.
    pub connect: String,
    /// Bearer token.
    pub token: Option<String>,
    /// Theme name.
    pub theme: Option<String>,
    /// Refuse action keys.
    pub read_only: bool,
    /// No box drawing or block characters.
    pub ascii: bool,
}

/// Everything the loop reacts to.
#[derive(Debug)]
pub enum AppEvent {
    /// A terminal event.
    Terminal(TermEvent),
    /// A stream message.
    Message(ServerMessage),
    /// The stream connection changed.
    Connection(Conn),
    /// An action came back.
    ActionDone(String, Result<ActionReply, String>),
    /// The clock (ms).
    Tick(i64),
    /// SIGINT, SIGTERM or SIGHUP, or the terminal went away.
    Terminate,
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

/// Runs the dashboard until quit.
pub async fn run(opts: TuiOptions, app: App) -> color_eyre::Result<()> {
    let (tx, rx) = mpsc::channel::<AppEvent>(1024);
    let client = Client::new(&opts.connect, opts.token.clone());
    let tasks = [
        tokio::spawn(input(tx.clone())),
        tokio::spawn(stream(client.clone(), tx.clone())),
        tokio::spawn(signals(tx.clone())),
        tokio::spawn(ticks(tx.clone())),
    ];
    let (mut term, guard) = terminal::enter()?;
    let result = event_loop(&mut term, app, rx, tx, client).await;
    drop(guard);
    for t in tasks {
        t.abort();
    }
    result
}

async fn event_loop(
    term: &mut terminal::Term,
    mut app: App,
    mut rx: mpsc::Receiver<AppEvent>,
    tx: mpsc::Sender<AppEvent>,
    client: Client,
) -> color_eyre::Result<()> {
    const FRAME: Duration = Duration::from_millis(100);
    app.now = wall_ms();
    terminal::draw(term, &app)?;
    let mut last_draw = Instant::now();
    let mut pending = false;
    loop {
        let deadline = last_draw + FRAME;
        let event = tokio::select! {
            e = rx.recv() => e,
            () = tokio::time::sleep_until(deadline), if pending => {
                terminal::draw(term, &app)?;
                last_draw = Instant::now();
                pending = false;
                continue;
            }
        };
        let Some(event) = event else { return Ok(()) };
        let mut urgent = false;
        let changed = match event {
            AppEvent::Terminate => return Ok(()),
            AppEvent::Terminal(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => {
                urgent = true;
                if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                    return Ok(());
                }
                match app.on_key(key) {
                    Some(Effect::Quit) => return Ok(()),
                    Some(Effect::Send(body)) => send(&client, &tx, body),
                    None => {}
                }
                true
            }
            AppEvent::Terminal(TermEvent::Resize(..)) => {
                urgent = true;
                term.autoresize()?;
                true
            }
            AppEvent::Terminal(_) => false,
            AppEvent::Message(m) => app.on_message(m),
            AppEvent::Connection(c) => {
                let changed = app.conn != c;
                app.conn = c;
                changed
            }
            AppEvent::ActionDone(verb, result) => {
                tracing::info!(action = %verb, ok = result.is_ok(), "action answered");
                match result {
                    Ok(r) if r.duplicate => app.toast(
                        format!("{verb}: already done (revision {})", r.revision),
                        false,
                    ),
                    Ok(r) => app.toast(format!("{verb}: done, revision {}", r.revision), false),
                    Err(e) => app.toast(format!("{verb} refused: {e}"), true),
                }
                true
            }
            AppEvent::Tick(now) => app.on_tick(now),
        };
        if changed {
            if urgent || last_draw.elapsed() >= FRAME {
                terminal::draw(term, &app)?;
                last_draw = Instant::now();
                pending = false;
            } else {
                pending = true;
            }
        }
    }
}

fn send(client: &Client, tx: &mpsc::Sender<AppEvent>, body: ActionBody) {
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let verb = body.text();
        let result = client.act(&body).await.map_err(|e| match e {
            ClientError::Refused { body, .. } => body.message,
            other => other.to_string(),
        });
        let _ = tx.send(AppEvent::ActionDone(verb, result)).await;
    });
}

async fn input(tx: mpsc::Sender<AppEvent>) {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let msg = match event {
            Ok(e) => AppEvent::Terminal(e),
            Err(_) => AppEvent::Terminate,
        };
        let stop = matches!(msg, AppEvent::Terminate);
        if tx.send(msg).await.is_err() || stop {
            return;
        }
    }
    let _ = tx.send(AppEvent::Terminate).await;
}

async fn signals(tx: mpsc::Sender<AppEvent>) {
    crate::cli::serve::wait_for_signal().await;
    let _ = tx.send(AppEvent::Terminate).await;
}

async fn ticks(tx: mpsc::Sender<AppEvent>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        if tx.send(AppEvent::Tick(wall_ms())).await.is_err() {
            return;
        }
    }
}

/// Keeps a stream open: reconnects with jittered exponential backoff and resumes by seq.
async fn stream(client: Client, tx: mpsc::Sender<AppEvent>) {
    let mut resume: Option<(u64, u64)> = None;
    let mut backoff = Duration::from_millis(250);
    let mut jitter = crate::sim::Rng::new(u64::try_from(wall_ms()).unwrap_or(1));
    loop {
        match client.stream(resume).await {
            Ok(mut s) => {
                backoff = Duration::from_millis(250);
                let mut epoch = resume.map_or(0, |r| r.1);
                while let Some(Ok(msg)) = client::next_message(&mut s).await {
                    if let ServerMessage::Hello { epoch: e, .. } = &msg {
                        epoch = *e;
                    } else {
                        resume = Some((msg.seq(), epoch));
                    }
                    if tx.send(AppEvent::Message(msg)).await.is_err() {
                        return;
                    }
                }
            }
            Err(ClientError::Refused { body, .. }) => {
                let _ = tx
                    .send(AppEvent::Message(ServerMessage::Error {
                        seq: 0,
                        code: body.error,
                        message: body.message,
                    }))
                    .await;
            }
            Err(_) => {}
        }
        if tx
            .send(AppEvent::Connection(Conn::Reconnecting))
            .await
            .is_err()
        {
            return;
        }
        let wait = Duration::from_secs_f64(backoff.as_secs_f64() * (0.5 + jitter.unit()));
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(Duration::from_secs(15));
    }
}
