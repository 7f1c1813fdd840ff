//! TUI benchmark at Identity Center's quota limits: a generated organization (100,000 users,
//! 100,000 groups, 3,000 accounts, 2,000 permission sets, 1,000,000 assignments) is written to
//! a snapshot file, then opened the way `cutover tui --snapshot FILE` opens it, and driven on
//! ratatui's TestBackend (160x48). Reports, each next to its target:
//!
//! - open to first frame: read + parse the file, `App::set_snapshot`, the first draw; then how
//!   long the background work after it (access index, every pane's table) takes;
//! - a filter keystroke on Assignments and Users, two figures: handling it (`App::update` for
//!   one typed char, which hands the filtering to the worker) and the time until its result is
//!   on screen (until the worker's result event has been applied);
//! - a frame render while the selection moves, without and with a filter (highlights are
//!   computed while rendering, for the rows on screen);
//! - `AccessIndex::effective_access` for 1,000 users spread over the snapshot;
//! - peak memory (VmHWM) of the process that opened the snapshot.
//!
//! The measurements run in a child process (this binary re-run with `--child FILE`), so the
//! peak memory is the TUI's, not the fixture generator's.
//!
//! `cargo bench --bench tui` runs at the quota size. `cargo test --all-targets` (and so CI) runs
//! this target without `--bench`: it then does a quick smoke run of the same code on the small
//! organization. Options: --preset small|benchmark|quota.

use cutover::fixture::{self, OrgSpec};
use cutover::model::Snapshot;
use cutover::tui::app::{App, AppEvent};
use cutover::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
/// How often each filter query is typed (cleared with Esc in between).
const FILTER_ROUNDS: usize = 3;
const FRAMES: usize = 200;
const ACCESS_USERS: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let path = PathBuf::from(args.get(i + 1).expect("--child FILE"));
        let preset = args.get(i + 2).cloned().unwrap_or_default();
        measure(&path, &preset);
        return;
    }
    // `cargo bench` passes --bench; `cargo test` does not, and gets the quick smoke run.
    let benchmarking = args.iter().any(|a| a == "--bench");
    let mut preset = if benchmarking { "quota" } else { "small" }.to_owned();
    if let Some(i) = args.iter().position(|a| a == "--preset") {
        preset = args.get(i + 1).expect("--preset VALUE").clone();
    }
    let spec = match preset.as_str() {
        "small" => OrgSpec::small(),
        "benchmark" => OrgSpec::benchmark(),
        "quota" => OrgSpec::quota(),
        other => panic!("unknown preset {other}: use small, benchmark or quota"),
    };

    let generating = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapshot.json");
    {
        let snapshot = fixture::generate(&spec);
        std::fs::write(&path, snapshot.to_json()).expect("write the snapshot");
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "tui benchmark: preset {preset}, snapshot {:.0} MiB, generated and written in {:.1} s",
        size as f64 / (1024.0 * 1024.0),
        generating.elapsed().as_secs_f64()
    );

    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("--child")
        .arg(&path)
        .arg(&preset)
        .status()
        .expect("run the measuring process");
    assert!(status.success(), "the measuring process failed: {status}");
}

fn measure(path: &Path, preset: &str) {
    let full = preset == "quota";
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();

    // 1. Open to first frame.
    let (events, mut inbox) = unbounded_channel();
    let started = Instant::now();
    let text = std::fs::read_to_string(path).expect("read the snapshot");
    let read = started.elapsed();
    let snapshot = Snapshot::from_json(&text).expect("parse the snapshot");
    drop(text);
    let parsed = started.elapsed();
    let (users, assignments) = (snapshot.users.len(), snapshot.account_assignments.len());
    let mut app = App::new(
        format!("snapshot {}", path.display()),
        Rect::new(0, 0, WIDTH, HEIGHT),
        events,
    );
    app.set_snapshot(snapshot);
    let set = started.elapsed();
    terminal.draw(|f| view::render(&app, f)).unwrap();
    let open = started.elapsed();
    println!(
        "open to first frame: {} (read {}, parse {}, set_snapshot {}, first draw {})  target < 2 s  {}",
        ms(open),
        ms(read),
        ms(parsed - read),
        ms(set - parsed),
        ms(open - set),
        verdict(open <= Duration::from_secs(2))
    );
    settle(&mut app, &mut inbox);
    println!(
        "  then in the background: access index and all six tables ready {} after the first frame (open to complete {})",
        ms(started.elapsed() - open),
        ms(started.elapsed())
    );

    // 2. Filter keystrokes.
    let frame_target = Duration::from_millis(16);
    for (pane, name, rows, query) in [
        ('5', "assignments", assignments, "prod-pay"),
        ('1', "users", users, "ana.ch"),
    ] {
        key(&mut app, KeyCode::Char(pane));
        settle(&mut app, &mut inbox);
        let mut handling = Vec::new();
        let mut shown = Vec::new();
        for _ in 0..FILTER_ROUNDS {
            key(&mut app, KeyCode::Char('/'));
            for c in query.chars() {
                let t = Instant::now();
                key(&mut app, KeyCode::Char(c));
                handling.push(t.elapsed());
                settle(&mut app, &mut inbox);
                shown.push(t.elapsed());
            }
            let matched = app.view().visible.len();
            let t = Instant::now();
            key(&mut app, KeyCode::Esc);
            handling.push(t.elapsed());
            settle(&mut app, &mut inbox);
            shown.push(t.elapsed());
            if handling.len() == query.len() + 1 {
                println!("  (\"{query}\" on {name}: {matched} of {rows} rows match)");
            }
        }
        let (median, p99) = median_p99(&mut handling);
        println!(
            "filter keystroke, {name} ({rows} rows, \"{query}\" typed {FILTER_ROUNDS}x + esc), handling the key: median {}, p99 {}  target < 16 ms  {}",
            ms(median),
            ms(p99),
            verdict(median <= frame_target && p99 <= frame_target)
        );
        let (median, p99) = median_p99(&mut shown);
        println!(
            "  ... until the filtered table is shown (worker result applied): median {}, p99 {}  (no target; {} at 16 ms)",
            ms(median),
            ms(p99),
            verdict(median <= frame_target && p99 <= frame_target)
        );
    }

    // 3. Frame render while the selection moves (on Assignments, the largest table).
    key(&mut app, KeyCode::Char('5'));
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        // Mostly single steps, now and then a page, so the table scrolls too.
        key(
            &mut app,
            if i % 20 == 19 {
                KeyCode::PageDown
            } else {
                KeyCode::Down
            },
        );
        let t = Instant::now();
        terminal.draw(|f| view::render(&app, f)).unwrap();
        times.push(t.elapsed());
    }
    let (median, p99) = median_p99(&mut times);
    println!(
        "frame render (160x48, {FRAMES} frames, moving the selection): median {}, p99 {}  target < 16 ms  {}",
        ms(median),
        ms(p99),
        verdict(median <= frame_target && p99 <= frame_target)
    );
    // The same with a filter on, so each frame computes the highlights of the rows on screen.
    key(&mut app, KeyCode::Char('/'));
    for c in "prod".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    settle(&mut app, &mut inbox);
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        key(
            &mut app,
            if i % 20 == 19 {
                KeyCode::PageDown
            } else {
                KeyCode::Down
            },
        );
        let t = Instant::now();
        terminal.draw(|f| view::render(&app, f)).unwrap();
        times.push(t.elapsed());
    }
    let (median, p99) = median_p99(&mut times);
    println!(
        "frame render with the filter \"prod\" on ({} rows, highlights drawn): median {}, p99 {}  target < 16 ms  {}",
        app.view().visible.len(),
        ms(median),
        ms(p99),
        verdict(median <= frame_target && p99 <= frame_target)
    );

    // 4. Effective access of one user.
    let dataset = app.dataset.as_ref().expect("a loaded snapshot");
    let snapshot = dataset.snapshot();
    let index = dataset.index().expect("the index is built");
    let step = (snapshot.users.len() / ACCESS_USERS).max(1);
    let mut times = Vec::with_capacity(ACCESS_USERS);
    let mut grants = 0;
    for user in snapshot.users.iter().step_by(step).take(ACCESS_USERS) {
        let t = Instant::now();
        let access = index.effective_access(&user.user_id);
        times.push(t.elapsed());
        grants += access.len();
    }
    let sampled = times.len();
    let (median, p99) = median_p99(&mut times);
    println!(
        "effective access of one user ({sampled} users, {:.1} grants each on average): median {}, p99 {}  target < 5 ms  {}",
        grants as f64 / sampled.max(1) as f64,
        ms(median),
        ms(p99),
        verdict(median <= Duration::from_millis(5) && p99 <= Duration::from_millis(5))
    );

    // 5. Peak memory.
    match peak_memory_kib() {
        Some(kib) => println!(
            "peak memory (VmHWM): {:.0} MiB  target < 1 GiB  {}",
            kib as f64 / 1024.0,
            verdict(kib < 1024 * 1024)
        ),
        None => println!("peak memory: unavailable (no /proc/self/status)"),
    }
    if !full {
        println!("(smoke run: figures are only meaningful with `cargo bench --bench tui`)");
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Applies the background workers' results until the app has none outstanding.
fn settle(app: &mut App, inbox: &mut UnboundedReceiver<AppEvent>) {
    while app.is_working() {
        let event = inbox.blocking_recv().expect("the workers report back");
        app.update(event);
    }
}

fn median_p99(times: &mut [Duration]) -> (Duration, Duration) {
    if times.is_empty() {
        return (Duration::ZERO, Duration::ZERO);
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "ok"
    } else {
        "MISSED"
    }
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
