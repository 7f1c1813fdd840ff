//! Moving a selection through a list and keeping it on screen: one implementation for every
//! table and list of every screen.

/// `current` moved by `delta`, kept within a list of `len` rows (0 when it is empty).
pub fn clamp_add(current: usize, delta: isize, len: usize) -> usize {
    let target = current as isize + delta;
    target.clamp(0, len.saturating_sub(1) as isize) as usize
}

/// The smallest scroll change that keeps `selected` within a window of `height` rows starting
/// at `offset`.
pub fn scroll_into_view(selected: usize, offset: usize, height: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

/// A selection and the first row shown, in a list of `len` rows with `height` on screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScrollList {
    pub selected: usize,
    pub offset: usize,
}

impl ScrollList {
    /// Moves the selection by `delta` rows and scrolls just enough to keep it on screen.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            return;
        }
        self.selected = clamp_add(self.selected, delta, len);
        self.offset = scroll_into_view(self.selected, self.offset, height.max(1));
    }

    /// Scrolls a list without a selection (a report to read) by `delta` rows.
    pub fn scroll_by(&mut self, delta: isize, len: usize, height: usize) {
        let max = len.saturating_sub(height.max(1));
        self.offset = (self.offset as isize + delta).clamp(0, max as isize) as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_stays_in_the_list_and_on_screen() {
        let mut list = ScrollList::default();
        list.move_by(5, 10, 3);
        assert_eq!(
            list,
            ScrollList {
                selected: 5,
                offset: 3
            }
        );
        list.move_by(isize::MAX / 2, 10, 3);
        assert_eq!(
            list,
            ScrollList {
                selected: 9,
                offset: 7
            }
        );
        list.move_by(-8, 10, 3);
        assert_eq!(
            list,
            ScrollList {
                selected: 1,
                offset: 1
            }
        );
        list.move_by(isize::MIN / 2, 10, 3);
        assert_eq!(
            list,
            ScrollList {
                selected: 0,
                offset: 0
            }
        );
        // An empty list: nothing moves.
        list.move_by(3, 0, 3);
        assert_eq!(list, ScrollList::default());
    }

    #[test]
    fn a_report_scrolls_no_further_than_its_last_page() {
        let mut list = ScrollList::default();
        list.scroll_by(100, 10, 4);
        assert_eq!(list.offset, 6);
        list.scroll_by(-100, 10, 4);
        assert_eq!(list.offset, 0);
        list.scroll_by(3, 2, 4);
        assert_eq!(list.offset, 0);
    }
}
