//! A titled box of wrapped text in the middle of the screen, over whatever is drawn under it
//! (the y/n questions).

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Draws `lines` in a box at most `max_width` by `max_height` cells, centred.
pub fn render(frame: &mut Frame, title: &str, lines: Vec<Line>, max_width: u16, max_height: u16) {
    let area = frame.area();
    let width = area.width.saturating_sub(4).min(max_width);
    let height = max_height.min(area.height);
    let popup = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(title)),
        popup,
    );
}
