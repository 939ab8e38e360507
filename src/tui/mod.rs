//! The dashboard (`cutover`, `cutover demo`): the loop only. One bounded channel carries every
//! input — keys, stream updates, action answers, clock ticks and signals; the loop feeds them
//! to the pure [`update::update`], performs the effects it returns (send an action, quit) and
//! redraws only when something visible changed, at most ten times a second for data (keys
//! redraw at once). The stream is the client's shared subscription (reconnect, resume,
//! backoff); actions go over HTTP through the client, which fills each idempotency key. The
//! dashboard imports only `wire`, `client` and `lifecycle`.

pub mod actions;
pub mod complete;
pub mod dialog;
pub mod finish;
pub mod freshness;
pub mod incidents;
pub mod keymap;
pub mod navigate;
pub mod panes;
pub mod pickers;
pub mod reach;
pub mod state;
pub mod stream;
pub mod terminal;
pub mod theme;
pub mod ui_action;
pub mod update;

use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{
    Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use self::state::State;
use self::update::{ActionError, Effect, Msg, update};
use crate::client::subscription::{self, EventStream as Feed};
use crate::client::{Client, ClientError};
use crate::wire::ActionRequest;

/// Where the dashboard connects.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// Control plane URL.
    pub connect: String,
    /// Bearer token.
    pub token: Option<String>,
}

/// Everything the loop reacts to.
#[derive(Debug)]
enum Input {
    /// A message for `update`.
    Msg(Box<Msg>),
    /// SIGINT, SIGTERM or SIGHUP, Ctrl-C, or the terminal went away.
    Terminate,
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

/// Runs the dashboard until quit.
pub async fn run(opts: TuiOptions, state: State) -> color_eyre::Result<()> {
    let (tx, rx) = mpsc::channel::<Input>(1024);
    let client = Client::new(&opts.connect, opts.token.clone());
    let tasks = [
        tokio::spawn(terminal_input(tx.clone())),
        tokio::spawn(stream(client.clone(), tx.clone())),
        tokio::spawn(signals(tx.clone())),
        tokio::spawn(ticks(tx.clone())),
    ];
    let (mut term, guard) = terminal::enter()?;
    let result = event_loop(&mut term, state, rx, tx, client).await;
    drop(guard);
    for t in tasks {
        t.abort();
    }
    result
}

async fn event_loop(
    term: &mut terminal::Term,
    mut state: State,
    mut rx: mpsc::Receiver<Input>,
    tx: mpsc::Sender<Input>,
    client: Client,
) -> color_eyre::Result<()> {
    const FRAME: Duration = Duration::from_millis(100);
    state.now = wall_ms();
    terminal::draw(term, &state)?;
    let mut last_draw = Instant::now();
    let mut pending = false;
    loop {
        let deadline = last_draw + FRAME;
        let input = tokio::select! {
            e = rx.recv() => e,
            () = tokio::time::sleep_until(deadline), if pending => {
                terminal::draw(term, &state)?;
                last_draw = Instant::now();
                pending = false;
                continue;
            }
        };
        let msg = match input {
            None | Some(Input::Terminate) => return Ok(()),
            Some(Input::Msg(msg)) => *msg,
        };
        let urgent = matches!(msg, Msg::Key(_) | Msg::Resize);
        if matches!(msg, Msg::Resize) {
            term.autoresize()?;
        }
        let step = update(&mut state, msg);
        match step.effect {
            Some(Effect::Quit) => return Ok(()),
            Some(Effect::Send(request)) => send(&client, &tx, request),
            Some(Effect::Preview(request)) => preview(&client, &tx, request),
            Some(Effect::Bell) => terminal::bell(term)?,
            None => {}
        }
        if step.redraw {
            if urgent || last_draw.elapsed() >= FRAME {
                terminal::draw(term, &state)?;
                last_draw = Instant::now();
                pending = false;
            } else {
                pending = true;
            }
        }
    }
}

fn send(client: &Client, tx: &mpsc::Sender<Input>, request: ActionRequest) {
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let what = request.action.to_string();
        let result = client.act(request).await.map_err(|e| match e {
            ClientError::Refused { body, .. } => ActionError::Refused(body),
            other => ActionError::Failed(other.to_string()),
        });
        tracing::info!(action = %what, ok = result.is_ok(), "action answered");
        let _ = tx
            .send(Input::Msg(Box::new(Msg::ActionDone { what, result })))
            .await;
    });
}

fn preview(client: &Client, tx: &mpsc::Sender<Input>, request: ActionRequest) {
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let result = client
            .preview(request.clone())
            .await
            .map(Box::new)
            .map_err(|e| match e {
                ClientError::Refused { body, .. } => body.message,
                ClientError::Unreachable { .. } => "the control plane did not answer".to_owned(),
                other @ ClientError::Protocol { .. } => other.to_string(),
            });
        let _ = tx
            .send(Input::Msg(Box::new(Msg::Previewed { request, result })))
            .await;
    });
}

async fn terminal_input(tx: mpsc::Sender<Input>) {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let input = match event {
            Ok(TermEvent::Key(key)) if key.kind == KeyEventKind::Release => continue,
            Ok(TermEvent::Key(key))
                if key.code == KeyCode::Char('c')
                    && key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                Input::Terminate
            }
            Ok(TermEvent::Key(key)) => Input::Msg(Box::new(Msg::Key(key))),
            Ok(TermEvent::Resize(..)) => Input::Msg(Box::new(Msg::Resize)),
            Ok(_) => continue,
            Err(_) => Input::Terminate,
        };
        let stop = matches!(input, Input::Terminate);
        if tx.send(input).await.is_err() || stop {
            return;
        }
    }
    let _ = tx.send(Input::Terminate).await;
}

async fn signals(tx: mpsc::Sender<Input>) {
    crate::lifecycle::wait_for_signal().await;
    let _ = tx.send(Input::Terminate).await;
}

async fn ticks(tx: mpsc::Sender<Input>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        if tx
            .send(Input::Msg(Box::new(Msg::Tick(wall_ms()))))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Follows the stream through the shared subscription and forwards its updates.
async fn stream(client: Client, tx: mpsc::Sender<Input>) {
    let (sub_tx, mut sub_rx) = mpsc::channel(256);
    tokio::spawn(subscription::follow(client, Feed::default(), sub_tx));
    while let Some(update) = sub_rx.recv().await {
        if tx
            .send(Input::Msg(Box::new(Msg::Stream(update))))
            .await
            .is_err()
        {
            return;
        }
    }
}
