//! A one-to-many relation between dense `u32` indexes (user → groups, account → assignments...)
//! stored as two flat arrays (compressed sparse rows): a row is a slice, building is a counting
//! sort, and a million edges cost eight megabytes instead of a million small vectors.

#[derive(Clone, Debug, Default)]
pub(super) struct Adjacency {
    /// Row `r` is `targets[offsets[r]..offsets[r + 1]]`.
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    /// Builds `rows` rows from `(row, target)` edges. Each row comes out sorted and free of
    /// duplicates, whatever the order and repetitions of the input (an unnormalized snapshot
    /// may list a membership twice).
    ///
    /// # Panics
    /// When an edge names a row `>= rows`, or there are more than `u32::MAX` edges.
    pub(super) fn build(rows: usize, edges: &[(u32, u32)]) -> Adjacency {
        assert!(u32::try_from(edges.len()).is_ok(), "too many edges");
        let mut starts = vec![0u32; rows + 1];
        for &(row, _) in edges {
            starts[row as usize + 1] += 1;
        }
        for r in 0..rows {
            starts[r + 1] += starts[r];
        }
        let mut cursor = starts.clone();
        let mut targets = vec![0u32; edges.len()];
        for &(row, target) in edges {
            let slot = &mut cursor[row as usize];
            targets[*slot as usize] = target;
            *slot += 1;
        }
        // Sort each row and squeeze duplicates out, compacting towards the front.
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0u32);
        let mut write = 0usize;
        for r in 0..rows {
            let (start, end) = (starts[r] as usize, starts[r + 1] as usize);
            targets[start..end].sort_unstable();
            let row_start = write;
            for read in start..end {
                let value = targets[read];
                if write == row_start || targets[write - 1] != value {
                    targets[write] = value;
                    write += 1;
                }
            }
            offsets.push(write as u32);
        }
        targets.truncate(write);
        targets.shrink_to_fit();
        Adjacency { offsets, targets }
    }

    /// The targets of `row`, sorted; empty for a row out of range.
    pub(super) fn row(&self, row: u32) -> &[u32] {
        let r = row as usize;
        match (self.offsets.get(r), self.offsets.get(r + 1)) {
            (Some(&start), Some(&end)) => &self.targets[start as usize..end as usize],
            _ => &[],
        }
    }

    pub(super) fn is_empty_row(&self, row: u32) -> bool {
        self.row(row).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sorted_and_deduplicated() {
        let adjacency = Adjacency::build(4, &[(2, 9), (0, 3), (2, 1), (0, 3), (2, 9), (0, 1)]);
        assert_eq!(adjacency.row(0), [1, 3]);
        assert_eq!(adjacency.row(1), [] as [u32; 0]);
        assert_eq!(adjacency.row(2), [1, 9]);
        assert_eq!(adjacency.row(3), [] as [u32; 0]);
        assert_eq!(
            adjacency.row(4),
            [] as [u32; 0],
            "out of range reads as empty"
        );
        assert!(adjacency.is_empty_row(1));
    }

    #[test]
    fn no_rows_no_edges() {
        let adjacency = Adjacency::build(0, &[]);
        assert!(adjacency.row(0).is_empty());
    }
}
