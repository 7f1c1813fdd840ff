//! The terminal UI: whole-screen snapshots on ratatui's TestBackend, driven by keys, and
//! end-to-end runs of the real binary in a pseudo-terminal.

mod demo_tui;
mod pty;

mod apply;
mod cleanup;
mod migration;
mod pty_run;
mod screens;
