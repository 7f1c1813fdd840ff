//! Widgets shared by the screens, so that each looks and behaves the same everywhere.

pub mod footer;
pub mod key_help;
pub mod popup;
pub mod scroll_list;
pub mod text_input;
pub mod typed_confirm;
