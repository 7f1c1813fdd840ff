//! The real binary in a pseudo-terminal, read through a VT100 parser the way a person's
//! terminal would show it: shared by the end-to-end TUI tests.

use portable_pty::{native_pty_system, Child, CommandBuilder, ExitStatus, MasterPty, PtySize};
use std::io::{Read, Write};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const ROWS: u16 = 30;
pub const COLS: u16 = 120;

/// The terminal as a person sees it; the reader thread feeds it and signals every update.
struct Screen {
    parser: Mutex<vt100::Parser>,
    updated: Condvar,
}

/// A running command in a 120x30 pseudo-terminal.
pub struct PtyRun {
    screen: Arc<Screen>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    reading: JoinHandle<()>,
    finished: Sender<()>,
    /// How long `wait_for` waits for the screen.
    patience: Duration,
}

/// How the run ended.
pub struct Ended {
    pub status: ExitStatus,
    /// Whether the terminal was left on the alternate screen (a TUI must give it back).
    pub alternate_screen: bool,
}

impl PtyRun {
    /// Starts `command`; a run still going after `watchdog` is killed, so a TUI that ignores
    /// its quit key fails its test instead of hanging it.
    pub fn start(mut command: CommandBuilder, patience: Duration, watchdog: Duration) -> PtyRun {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        command.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(command).expect("start the command");
        drop(pty.slave);
        let (finished, stop_watchdog) = std::sync::mpsc::channel::<()>();
        let mut killer = child.clone_killer();
        std::thread::spawn(move || {
            if stop_watchdog.recv_timeout(watchdog).is_err() {
                let _ = killer.kill();
            }
        });
        let screen = Arc::new(Screen {
            parser: Mutex::new(vt100::Parser::new(ROWS, COLS, 0)),
            updated: Condvar::new(),
        });
        let mut reader = pty.master.try_clone_reader().unwrap();
        let feed = screen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.parser.lock().unwrap().process(&buf[..n]);
                feed.updated.notify_all();
            }
        });
        let keys = pty.master.take_writer().unwrap();
        PtyRun {
            screen,
            keys,
            child,
            master: pty.master,
            reading,
            finished,
            patience,
        }
    }

    /// Types `text`.
    pub fn send(&mut self, text: &str) {
        self.keys.write_all(text.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Waits (woken by each output chunk) until the screen shows `needle`.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, true)
    }

    /// Waits until `needle` is gone from the screen.
    pub fn wait_gone(&self, needle: &str) -> String {
        self.wait_until(needle, false)
    }

    fn wait_until(&self, needle: &str, shown: bool) -> String {
        let deadline = Instant::now() + self.patience;
        let mut parser = self.screen.parser.lock().unwrap();
        loop {
            let text = parser.screen().contents();
            if text.contains(needle) == shown {
                return text;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waiting for {needle:?} to be shown={shown}; the screen shows:\n{text}"
            );
            parser = self.screen.updated.wait_timeout(parser, left).unwrap().0;
        }
    }

    /// Waits for the command to exit (after the test typed its quit key).
    pub fn end(mut self) -> Ended {
        let status = self.child.wait().expect("the command exits");
        let _ = self.finished.send(());
        drop(self.keys);
        drop(self.master);
        let _ = self.reading.join();
        let alternate_screen = self
            .screen
            .parser
            .lock()
            .unwrap()
            .screen()
            .alternate_screen();
        Ended {
            status,
            alternate_screen,
        }
    }
}
