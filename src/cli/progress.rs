//! The headless progress display: one bar per load stage, fed by the backend's progress
//! events, drawn on stderr only when it is a terminal.

use crate::backend::{ProgressEvent, Stage};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

/// Consumes events until the sender is dropped (the load ended), then clears the bars.
pub fn spawn(mut events: UnboundedReceiver<ProgressEvent>, visible: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let status = multi.add(ProgressBar::new_spinner());
        status.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"),
        );
        status.enable_steady_tick(std::time::Duration::from_millis(120));
        let mut bars: BTreeMap<Stage, ProgressBar> = BTreeMap::new();
        while let Some(event) = events.recv().await {
            status.set_message(format!(
                "loading: {} API calls, {} throttled (retried)",
                event.calls, event.throttles
            ));
            let bar = bars.entry(event.stage).or_insert_with(|| {
                let bar = multi.add(ProgressBar::no_length());
                bar.set_style(
                    ProgressStyle::with_template("  {prefix:>28} {bar:30} {pos:>7}/{len:7} {msg}")
                        .expect("template"),
                );
                bar.set_prefix(event.stage.label());
                bar
            });
            if let Some(total) = event.total {
                bar.set_length(total);
            }
            bar.set_position(event.done);
            if event.finished {
                bar.set_message("done");
                bar.finish();
            }
        }
        status.finish_and_clear();
        let _ = multi.clear();
    })
}
