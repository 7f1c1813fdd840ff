//! One table of key bindings drives the key handling, the footer hints and the `?` help, so the
//! three can never disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextPane,
    PreviousPane,
    GotoPane(usize),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    StartFilter,
    StartCommand,
    ToggleHelp,
    SortNextColumn,
    ReverseSort,
    ExportCsv,
    Reload,
    /// Pane 7: the migration screen (mapping and the live changeset).
    OpenMigration,
    /// A key of the migration screen.
    Map(MapAction),
    /// Enable writes for this session (asks first; read-only is the default).
    EnableWrites,
    /// The apply screen: from the changeset preview, or back to a running apply.
    OpenApply,
    /// A key of the apply screen.
    Apply(ApplyAction),
    /// The cleanup screen: the mapping's old principals that are left over.
    OpenCleanup,
    /// A key of the cleanup screen.
    Cleanup(CleanupAction),
}

/// What the cleanup screen's own keys do (see `CLEANUP_BINDINGS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CleanupAction {
    /// Include the old principals that still hold access (or not).
    ToggleInclude,
    /// Delete: asks for the identity store id to be typed.
    Delete,
}

/// What the apply screen's own keys do (see `APPLY_BINDINGS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyAction {
    TogglePause,
    Stop,
    /// The table follows the running operations again (after scrolling).
    Follow,
}

/// What the migration screen's own keys do (see `MIGRATION_BINDINGS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapAction {
    Accept,
    Pick,
    NoSuccessor,
    Unmap,
    AcceptExact,
    CycleFilter,
    WritePlan,
    ToggleRetireOld,
    FocusOther,
    FocusLeft,
    FocusRight,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Browsing a table or a detail view.
    Browse,
    /// Everywhere except while typing a filter or command.
    Always,
    /// The migration screen (its bindings are in `MIGRATION_BINDINGS`).
    Migration,
    /// The apply screen (its bindings are in `APPLY_BINDINGS`).
    Apply,
    /// The cleanup screen (its bindings are in `CLEANUP_BINDINGS`).
    Cleanup,
}

pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the key is written in hints and help.
    pub label: &'static str,
    /// What it does in a word or two, for the footer.
    pub short: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the footer (the most used ones only; `?` shows all).
    pub hint: bool,
    pub scope: Scope,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[(KeyCode::Char('/'), NONE)],
        label: "/",
        short: "filter",
        action: Action::StartFilter,
        help: "filter the table as you type (fuzzy; column:term, e.g. account:prod ps:admin)",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('s'), NONE)],
        label: "s",
        short: "sort",
        action: Action::SortNextColumn,
        help: "sort by the next column",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('S'), SHIFT), (KeyCode::Char('S'), NONE)],
        label: "S",
        short: "reverse sort",
        action: Action::ReverseSort,
        help: "reverse the sort order",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Enter, NONE)],
        label: "⏎",
        short: "open",
        action: Action::Open,
        help: "open the selected row (drill down)",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Esc, NONE), (KeyCode::Backspace, NONE)],
        label: "esc",
        short: "back",
        action: Action::Back,
        help: "back (clear the filter, close the detail)",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char(':'), NONE)],
        label: ":",
        short: "command",
        action: Action::StartCommand,
        help: "command line (Tab completes, ↑ recalls): :users hana, :mapping, :write, :quit…",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('e'), NONE)],
        label: "e",
        short: "export",
        action: Action::ExportCsv,
        help: "export the current (filtered) table to CSV",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('r'), NONE)],
        label: "r",
        short: "reload",
        action: Action::Reload,
        help: "reload from the source",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Tab, NONE)],
        label: "tab",
        short: "next pane",
        action: Action::NextPane,
        help: "next pane",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)],
        label: "shift-tab",
        short: "previous pane",
        action: Action::PreviousPane,
        help: "previous pane",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('1'), NONE)],
        label: "1",
        short: "users",
        action: Action::GotoPane(0),
        help: "users",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('2'), NONE)],
        label: "2",
        short: "groups",
        action: Action::GotoPane(1),
        help: "groups",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('3'), NONE)],
        label: "3",
        short: "permission sets",
        action: Action::GotoPane(2),
        help: "permission sets",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('4'), NONE)],
        label: "4",
        short: "accounts",
        action: Action::GotoPane(3),
        help: "accounts",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('5'), NONE)],
        label: "5",
        short: "assignments",
        action: Action::GotoPane(4),
        help: "assignments",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('6'), NONE)],
        label: "6",
        short: "apps",
        action: Action::GotoPane(5),
        help: "applications",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('7'), NONE)],
        label: "7",
        short: "mapping",
        action: Action::OpenMigration,
        help: "migration: map old principals, see the changeset (with a baseline)",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('k'), NONE), (KeyCode::Up, NONE)],
        label: "k/↑",
        short: "up",
        action: Action::Up,
        help: "up",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('j'), NONE), (KeyCode::Down, NONE)],
        label: "j/↓",
        short: "down",
        action: Action::Down,
        help: "down",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::PageUp, NONE), (KeyCode::Char('u'), CTRL)],
        label: "pgup/^u",
        short: "page up",
        action: Action::PageUp,
        help: "page up",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::PageDown, NONE), (KeyCode::Char('d'), CTRL)],
        label: "pgdn/^d",
        short: "page down",
        action: Action::PageDown,
        help: "page down",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        label: "home/g",
        short: "top",
        action: Action::Top,
        help: "first row",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[
            (KeyCode::End, NONE),
            (KeyCode::Char('G'), SHIFT),
            (KeyCode::Char('G'), NONE),
        ],
        label: "end/G",
        short: "bottom",
        action: Action::Bottom,
        help: "last row",
        hint: false,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('?'), NONE), (KeyCode::Char('?'), SHIFT)],
        label: "?",
        short: "help",
        action: Action::ToggleHelp,
        help: "show or hide this help",
        hint: true,
        scope: Scope::Always,
    },
    Binding {
        keys: &[(KeyCode::Char('q'), NONE)],
        label: "q",
        short: "quit",
        action: Action::Quit,
        help: "quit",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('W'), SHIFT), (KeyCode::Char('W'), NONE)],
        label: "W",
        short: "writes",
        action: Action::EnableWrites,
        help: "enable writes for this session (asks first; read-only is the default)",
        hint: true,
        scope: Scope::Browse,
    },
    Binding {
        keys: &[(KeyCode::Char('c'), CTRL)],
        label: "^c",
        short: "quit",
        action: Action::Quit,
        help: "quit",
        hint: false,
        scope: Scope::Always,
    },
];

/// The migration screen's keys. A table of its own so that the `?` help of each screen lists
/// what works there and still fits the screen; the app-wide keys (`?`, `q`, `:`, the pane
/// numbers) work on it too.
pub const MIGRATION_BINDINGS: &[Binding] = &[
    Binding {
        keys: &[(KeyCode::Enter, NONE)],
        label: "⏎",
        short: "accept",
        action: Action::Map(MapAction::Accept),
        help: "accept the highlighted candidate as the successor",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('p'), NONE)],
        label: "p",
        short: "pick any",
        action: Action::Map(MapAction::Pick),
        help: "pick any principal of the same type as the successor (type to search)",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('n'), NONE)],
        label: "n",
        short: "no successor",
        action: Action::Map(MapAction::NoSuccessor),
        help: "no successor: its access is dropped on purpose",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('u'), NONE)],
        label: "u",
        short: "unmap",
        action: Action::Map(MapAction::Unmap),
        help: "unmap: undecided again",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('B'), SHIFT), (KeyCode::Char('B'), NONE)],
        label: "B",
        short: "accept exact",
        action: Action::Map(MapAction::AcceptExact),
        help: "accept all unambiguous exact matches (asks first, with the count)",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('f'), NONE)],
        label: "f",
        short: "filter",
        action: Action::Map(MapAction::CycleFilter),
        help: "filter: all, unmapped, has access",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('/'), NONE)],
        label: "/",
        short: "search",
        action: Action::StartFilter,
        help: "search the old principals (fuzzy; name, type, id, successor)",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('w'), NONE)],
        label: "w",
        short: "write plan",
        action: Action::Map(MapAction::WritePlan),
        help: "write the plan file (beside the mapping file, or plan.json)",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('A'), SHIFT), (KeyCode::Char('A'), NONE)],
        label: "A",
        short: "apply",
        action: Action::OpenApply,
        help: "apply this changeset: summary, typed confirmation, live progress (needs W first)",
        hint: true,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('C'), SHIFT), (KeyCode::Char('C'), NONE)],
        label: "C",
        short: "clean up",
        action: Action::OpenCleanup,
        help: "clean up: the mapping's old principals left over, to delete (needs W first)",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('W'), SHIFT), (KeyCode::Char('W'), NONE)],
        label: "W",
        short: "writes",
        action: Action::EnableWrites,
        help: "enable writes for this session (asks first; read-only is the default)",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)],
        label: "R",
        short: "retire old",
        action: Action::Map(MapAction::ToggleRetireOld),
        help: "retire old on/off: also delete the decided old principals' assignments",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[
            (KeyCode::Tab, NONE),
            (KeyCode::BackTab, SHIFT),
            (KeyCode::BackTab, NONE),
        ],
        label: "tab",
        short: "other list",
        action: Action::Map(MapAction::FocusOther),
        help: "move between the old principals and the candidates",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Left, NONE), (KeyCode::Char('h'), NONE)],
        label: "←/h",
        short: "old principals",
        action: Action::Map(MapAction::FocusLeft),
        help: "focus the old principals",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Right, NONE), (KeyCode::Char('l'), NONE)],
        label: "→/l",
        short: "candidates",
        action: Action::Map(MapAction::FocusRight),
        help: "focus the candidates",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('k'), NONE), (KeyCode::Up, NONE)],
        label: "k/↑",
        short: "up",
        action: Action::Up,
        help: "up (in the focused list)",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Char('j'), NONE), (KeyCode::Down, NONE)],
        label: "j/↓",
        short: "down",
        action: Action::Down,
        help: "down (in the focused list)",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::PageUp, NONE), (KeyCode::Char('u'), CTRL)],
        label: "pgup/^u",
        short: "page up",
        action: Action::PageUp,
        help: "page up",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::PageDown, NONE), (KeyCode::Char('d'), CTRL)],
        label: "pgdn/^d",
        short: "page down",
        action: Action::PageDown,
        help: "page down",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        label: "home/g",
        short: "top",
        action: Action::Top,
        help: "first row",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[
            (KeyCode::End, NONE),
            (KeyCode::Char('G'), SHIFT),
            (KeyCode::Char('G'), NONE),
        ],
        label: "end/G",
        short: "bottom",
        action: Action::Bottom,
        help: "last row",
        hint: false,
        scope: Scope::Migration,
    },
    Binding {
        keys: &[(KeyCode::Esc, NONE), (KeyCode::Backspace, NONE)],
        label: "esc",
        short: "back",
        action: Action::Back,
        help: "back: clear the search, then leave for the browse panes",
        hint: false,
        scope: Scope::Migration,
    },
];

/// The apply screen's keys (the typed confirmation takes every key while it is shown).
pub const APPLY_BINDINGS: &[Binding] = &[
    Binding {
        keys: &[(KeyCode::Char(' '), NONE)],
        label: "space",
        short: "pause/resume",
        action: Action::Apply(ApplyAction::TogglePause),
        help: "pause or resume (outstanding writes finish; no new ones start while paused)",
        hint: true,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Char('s'), NONE)],
        label: "s",
        short: "stop",
        action: Action::Apply(ApplyAction::Stop),
        help: "stop: no new writes, outstanding ones finish and are journaled",
        hint: true,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Char('A'), SHIFT), (KeyCode::Char('A'), NONE)],
        label: "A",
        short: "run again",
        action: Action::OpenApply,
        help: "when it has ended: run again (resumes from the journal)",
        hint: false,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Char('k'), NONE), (KeyCode::Up, NONE)],
        label: "k/↑",
        short: "up",
        action: Action::Up,
        help: "scroll the operations up",
        hint: false,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Char('j'), NONE), (KeyCode::Down, NONE)],
        label: "j/↓",
        short: "scroll",
        action: Action::Down,
        help: "scroll the operations down",
        hint: true,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Char('f'), NONE)],
        label: "f",
        short: "follow",
        action: Action::Apply(ApplyAction::Follow),
        help: "follow the running operations again (scrolling stops following)",
        hint: true,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::PageUp, NONE), (KeyCode::Char('u'), CTRL)],
        label: "pgup/^u",
        short: "page up",
        action: Action::PageUp,
        help: "page up",
        hint: false,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::PageDown, NONE), (KeyCode::Char('d'), CTRL)],
        label: "pgdn/^d",
        short: "page down",
        action: Action::PageDown,
        help: "page down",
        hint: false,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        label: "home/g",
        short: "top",
        action: Action::Top,
        help: "first operation",
        hint: false,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[
            (KeyCode::End, NONE),
            (KeyCode::Char('G'), SHIFT),
            (KeyCode::Char('G'), NONE),
        ],
        label: "end/G",
        short: "bottom",
        action: Action::Bottom,
        help: "last operation",
        hint: false,
        scope: Scope::Apply,
    },
    Binding {
        keys: &[(KeyCode::Esc, NONE), (KeyCode::Backspace, NONE)],
        label: "esc",
        short: "back (apply keeps running)",
        action: Action::Back,
        help: "back to the mapping screen (a running apply keeps running; A returns)",
        hint: true,
        scope: Scope::Apply,
    },
];

/// The cleanup screen's keys (the typed confirmation takes every key while it is shown).
pub const CLEANUP_BINDINGS: &[Binding] = &[
    Binding {
        keys: &[(KeyCode::Char('i'), NONE)],
        label: "i",
        short: "include with access",
        action: Action::Cleanup(CleanupAction::ToggleInclude),
        help:
            "include the old principals that still hold access (their assignments stay as orphans)",
        hint: true,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::Char('d'), NONE)],
        label: "d",
        short: "delete",
        action: Action::Cleanup(CleanupAction::Delete),
        help: "delete the listed principals: asks for the identity store id (needs W first)",
        hint: true,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::Char('W'), SHIFT), (KeyCode::Char('W'), NONE)],
        label: "W",
        short: "enable writes",
        action: Action::EnableWrites,
        help: "enable writes for this session (asks first; read-only is the default)",
        hint: true,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::Char('k'), NONE), (KeyCode::Up, NONE)],
        label: "k/↑",
        short: "up",
        action: Action::Up,
        help: "scroll up",
        hint: false,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::Char('j'), NONE), (KeyCode::Down, NONE)],
        label: "j/↓",
        short: "scroll",
        action: Action::Down,
        help: "scroll down",
        hint: true,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::PageUp, NONE), (KeyCode::Char('u'), CTRL)],
        label: "pgup/^u",
        short: "page up",
        action: Action::PageUp,
        help: "page up",
        hint: false,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::PageDown, NONE), (KeyCode::Char('d'), CTRL)],
        label: "pgdn/^d",
        short: "page down",
        action: Action::PageDown,
        help: "page down",
        hint: false,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        label: "home/g",
        short: "top",
        action: Action::Top,
        help: "top",
        hint: false,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[
            (KeyCode::End, NONE),
            (KeyCode::Char('G'), SHIFT),
            (KeyCode::Char('G'), NONE),
        ],
        label: "end/G",
        short: "bottom",
        action: Action::Bottom,
        help: "bottom",
        hint: false,
        scope: Scope::Cleanup,
    },
    Binding {
        keys: &[(KeyCode::Esc, NONE), (KeyCode::Backspace, NONE)],
        label: "esc",
        short: "back",
        action: Action::Back,
        help: "back to the mapping screen (running deletes keep running; C returns)",
        hint: true,
        scope: Scope::Cleanup,
    },
];

/// The action bound to `key` in `scope`, if any.
pub fn action_for(key: &KeyEvent, scope: Scope) -> Option<Action> {
    binding_for(key, scope).map(|b| b.action)
}

/// The binding of `key` in `scope`, if any.
pub fn binding_for(key: &KeyEvent, scope: Scope) -> Option<&'static Binding> {
    BINDINGS
        .iter()
        .chain(MIGRATION_BINDINGS)
        .chain(APPLY_BINDINGS)
        .chain(CLEANUP_BINDINGS)
        .filter(|b| b.scope == Scope::Always || b.scope == scope)
        .find(|b| {
            b.keys
                .iter()
                .any(|(code, modifiers)| *code == key.code && *modifiers == key.modifiers)
        })
}

/// For a key that does nothing in `here`: where it does something, in words (`None`: nowhere).
pub fn where_it_works(key: &KeyEvent, here: Scope) -> Option<String> {
    let places = [
        (Scope::Browse, "on panes 1-6"),
        (Scope::Migration, "on the mapping screen (7)"),
        (
            Scope::Apply,
            "on the apply screen (A on the mapping screen)",
        ),
        (
            Scope::Cleanup,
            "on the cleanup screen (C on the mapping screen)",
        ),
    ];
    places
        .iter()
        .filter(|(scope, _)| *scope != here)
        .find_map(|(scope, place)| {
            let b = binding_for(key, *scope).filter(|b| b.scope == *scope)?;
            Some(format!("{} ({}) works {place}", b.label, b.short))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_bound_once_per_scope() {
        let mut seen = std::collections::HashSet::new();
        for binding in BINDINGS
            .iter()
            .chain(MIGRATION_BINDINGS)
            .chain(APPLY_BINDINGS)
            .chain(CLEANUP_BINDINGS)
        {
            for key in binding.keys {
                assert!(
                    seen.insert((format!("{key:?}"), binding.scope as u8)),
                    "{key:?} bound twice"
                );
            }
        }
    }

    #[test]
    fn looks_keys_up_in_their_scope() {
        let slash = KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE);
        assert_eq!(action_for(&slash, Scope::Browse), Some(Action::StartFilter));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_c, Scope::Browse), Some(Action::Quit));
    }
}
