//! The demo driver against a running control plane: it watches the core's snapshots and, once
//! per metric window (so that a viewer can follow one move at a time), sends its move into the
//! core as an ordinary action request — decided, journaled and published like anyone's.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::{Driver, Situation};
use crate::engine::Reply;
use crate::server::AppState;
use crate::server::core::CoreMsg;

/// Runs until the control plane stops.
pub async fn run(app: Arc<AppState>) {
    let mut snapshots = app.core.snapshot.clone();
    let mut driver = Driver::default();
    let mut last_window = None;
    loop {
        tokio::select! {
            () = app.cancel.cancelled() => return,
            changed = snapshots.changed() => if changed.is_err() { return },
        }
        let snapshot = snapshots.borrow_and_update().clone();
        if snapshot.data_at.is_none() || snapshot.data_at == last_window {
            continue;
        }
        last_window = snapshot.data_at;
        let Some(situation) = Situation::of_snapshot(&app.plan, &snapshot) else {
            continue;
        };
        let Some(next) = driver.next_move(&app.plan, &situation) else {
            continue;
        };
        let (tx, rx) = oneshot::channel();
        let request = next.request(app.clock.now());
        if app
            .core
            .tx
            .send(CoreMsg::Action(request, tx))
            .await
            .is_err()
        {
            return;
        }
        match rx.await {
            Ok(Ok(outcome)) => {
                if let Reply::Refused(why) = outcome.reply {
                    tracing::info!(actor = %next.actor, action = %next.action, %why, "demo move refused");
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "demo move not journaled"),
            Err(_) => return,
        }
    }
}
