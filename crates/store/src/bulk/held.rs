//! PostgreSQL's bulk load holds its event rows back and copies them in sorted by member and
//! time, about a million at a time. The event table's `(tenant, member, time, id)` index
//! then takes each run of new entries in key order, a page at a time, instead of one page per
//! row at random: the 10M-row file loaded in 205 s in file order, in 145 s this way
//! (bench/README.md). The group index stays nearly in order too: within one held run a
//! group's new entries span only that run's times. So does the unique key index: a derived
//! key leads with its run of lines and its member ([`quanzi_domain::event::row_key`]), and a
//! held run ends where the file's run of lines does. Rows with the same member and time keep
//! the file's order (the sort is stable), so a join and a leave at one instant still apply in
//! the order given.

/// COPY text held before it is sorted and copied in, bytes: room for a run of lines
/// ([`quanzi_domain::event::row_key::RUN_LINES`]) of the shared 10M-row file. Runs of 2.5M
/// rows (256 MiB) loaded that file no faster (150.9 s against 150.3 s) for more than twice
/// the memory.
pub(super) const HELD_BYTES: usize = 128 << 20;

/// About the rows of one held run of the shared file (112 bytes of COPY text each).
const RUN_ROWS: usize = HELD_BYTES / 112;

/// COPY text rows waiting for their sort: each row's (member, time) and its byte range. The
/// buffers are allocated once, for a whole run and some, and kept from run to run: grown a
/// doubling at a time and dropped after each run, they cost an import a tenth of its CPU in
/// copies and freshly zeroed pages.
#[derive(Debug, Default)]
pub(super) struct Held {
    keys: Vec<(i64, i64, usize, usize)>,
    data: Vec<u8>,
    /// The next sorted row to hand out.
    next: usize,
}

impl Held {
    /// Starts a row for `member` at `at`; [`Held::buf`] is then written to, and
    /// [`Held::end_row`] closes it.
    pub(super) fn start_row(&mut self, member: i64, at: i64) {
        if self.data.capacity() == 0 {
            self.data.reserve_exact(HELD_BYTES + HELD_BYTES / 8);
            self.keys.reserve_exact(RUN_ROWS + RUN_ROWS / 4);
        }
        let start = self.data.len();
        self.keys.push((member, at, start, start));
    }

    /// The buffer the open row is written to.
    pub(super) fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    /// Closes the open row.
    pub(super) fn end_row(&mut self) {
        if let Some(k) = self.keys.last_mut() {
            k.3 = self.data.len();
        }
    }

    /// Whether no row is held.
    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether enough rows are held to sort and copy them.
    pub(super) fn full(&self) -> bool {
        self.data.len() >= HELD_BYTES
    }

    /// Sorts the held rows by (member, time), file order among equals, for
    /// [`Held::next_piece`] to hand out from the first.
    pub(super) fn sort(&mut self) {
        self.keys.sort_by_key(|k| (k.0, k.1));
        self.next = 0;
    }

    /// Appends to `out` the next sorted rows, at least `piece` bytes of them (fewer at the
    /// end, none when every row was handed out), cut between rows.
    pub(super) fn next_piece(&mut self, piece: usize, out: &mut Vec<u8>) {
        while let Some(&(_, _, start, end)) = self.keys.get(self.next) {
            self.next += 1;
            out.extend_from_slice(&self.data[start..end]);
            if out.len() >= piece {
                break;
            }
        }
    }

    /// Forgets every row, keeping the buffers.
    pub(super) fn clear(&mut self) {
        self.keys.clear();
        self.data.clear();
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_out_by_member_then_time_and_equal_ones_in_the_order_given() {
        let mut h = Held::default();
        for (m, at, text) in [
            (2, 10, "b-10\n"),
            (1, 20, "a-20 first\n"),
            (1, 5, "a-5\n"),
            (1, 20, "a-20 second\n"),
        ] {
            h.start_row(m, at);
            h.buf().extend_from_slice(text.as_bytes());
            h.end_row();
        }
        assert!(!h.full());
        h.sort();
        let mut pieces = Vec::new();
        loop {
            let mut p = Vec::new();
            h.next_piece(10, &mut p);
            if p.is_empty() {
                break;
            }
            pieces.push(String::from_utf8_lossy(&p).into_owned());
        }
        // Pieces of at least 10 bytes, cut between rows.
        assert_eq!(pieces, ["a-5\na-20 first\n", "a-20 second\n", "b-10\n"]);
        h.clear();
        h.sort();
        let mut p = Vec::new();
        h.next_piece(10, &mut p);
        assert!(p.is_empty());
    }
}
