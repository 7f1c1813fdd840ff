//! Which screen is on show and which popups are over it: the app routes keys, mouse and
//! drawing by these alone (see `App::on_key`, `App::on_mouse` and `view::render`).

/// The screen on show: the one that gets keys, mouse and drawing (after the popups).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Panes 1-6: the tables and their details.
    Browse,
    /// Pane 7, the mapping screen (`migration/`): map old principals, see the changeset.
    Mapping,
    /// Applying the changeset (`apply_screen/`).
    Apply,
    /// Deleting the old principals left over (`cleanup_screen/`).
    Cleanup,
}

/// A popup over the screen. The top one of the stack gets the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// `?`: the keys of the screen on show.
    Help,
    /// `W`: enable writes for this session? y/n.
    EnableWrites,
    /// Quitting while an apply or cleanup runs: stop it and quit? y/n.
    Quit,
}
