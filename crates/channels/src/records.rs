//! CSV records read the way the `csv` crate reads them with the import's settings (no
//! header row, any number of fields, a record ending at `\n` — a `\r` before it is a cell's
//! trailing whitespace — blank lines skipped), with a fast path: a line without a quote is
//! split at its delimiters directly; a record that has one goes through `csv_core`'s
//! parser, as the `csv` crate's reader would.

use std::io::{self, Read};

use csv::ByteRecord;
use csv_core::{ReadRecordResult, Terminator};

/// Bytes read from the input at a time.
const CHUNK: usize = 1 << 20;

/// A reader of CSV records.
pub(crate) struct Records {
    input: Box<dyn Read + Send>,
    /// Read but not consumed: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    delimiter: u8,
    core: csv_core::Reader,
    /// `\n` bytes consumed so far.
    newlines: u64,
    /// Bytes consumed so far.
    consumed: u64,
    /// The slow path's field bytes and field ends.
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Records {
    /// Records of `input` whose fields are separated by `delimiter`.
    pub(crate) fn new(input: Box<dyn Read + Send>, delimiter: u8) -> Records {
        Records {
            input,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            delimiter,
            core: csv_core::ReaderBuilder::new()
                .delimiter(delimiter)
                .terminator(Terminator::Any(b'\n'))
                .build(),
            newlines: 0,
            consumed: 0,
            out: vec![0; 1024],
            ends: vec![0; 64],
        }
    }

    /// The line the reader stands on (1-based), as `csv::Reader::position().line()`.
    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }

    /// Bytes consumed so far.
    pub(crate) fn byte(&self) -> u64 {
        self.consumed
    }

    /// Reads the next record into `rec`; false at the end of the input.
    pub(crate) fn read_byte_record(&mut self, rec: &mut ByteRecord) -> io::Result<bool> {
        rec.clear();
        loop {
            let avail = &self.buf[self.start..self.end];
            let Some(q) = memchr::memchr(b'\n', avail) else {
                if self.eof {
                    // The last line has no `\n` (or nothing is left).
                    return self.slow(rec);
                }
                self.fill()?;
                continue;
            };
            let line = &avail[..q];
            if memchr::memchr(b'"', line).is_some() {
                return self.slow(rec);
            }
            self.start += q + 1;
            self.consumed += q as u64 + 1;
            self.newlines += 1;
            if q == 0 {
                // A blank line: csv_core skips it at the start of a record.
                continue;
            }
            for field in line.split(|b| *b == self.delimiter) {
                rec.push_field(field);
            }
            return Ok(true);
        }
    }

    /// Reads a record with `csv_core`, from the start of a record.
    fn slow(&mut self, rec: &mut ByteRecord) -> io::Result<bool> {
        let (mut nout, mut nends) = (0, 0);
        loop {
            if self.start == self.end && !self.eof {
                self.fill()?;
                continue;
            }
            let input = &self.buf[self.start..self.end];
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nends..]);
            self.newlines += memchr::memchr_iter(b'\n', &input[..nin]).count() as u64;
            self.consumed += nin as u64;
            self.start += nin;
            nout += o;
            nends += e;
            match res {
                ReadRecordResult::InputEmpty => {
                    if !self.eof {
                        self.fill()?;
                    }
                }
                ReadRecordResult::OutputFull => {
                    let len = self.out.len() * 2;
                    self.out.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    let mut from = 0;
                    for &to in &self.ends[..nends] {
                        rec.push_field(&self.out[from..to]);
                        from = to;
                    }
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
            }
        }
    }

    /// Moves what is left to the front and reads more after it (the buffer grows for a line
    /// longer than it).
    fn fill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buf.len() {
            let len = self.buf.len() * 2;
            self.buf.resize(len, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// (first line, fields) of every record as the `csv` crate reads `text`.
    fn by_csv(text: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(text);
        let mut rec = ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap_or(false) {
            out.push((
                rdr.position().line(),
                rec.iter().map(<[u8]>::to_vec).collect(),
            ));
        }
        out
    }

    /// The same by [`Records`].
    fn by_records(text: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut r = Records::new(Box::new(std::io::Cursor::new(text.to_vec())), delimiter);
        let mut rec = ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).unwrap_or(false) {
            out.push((r.line(), rec.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    #[test]
    fn records_read_as_the_csv_crate_reads_them() {
        let text = b"a,b,c\n\n1,\"x,\"\"y\"\"\nz\",3\r\n\r\n,,\nlast,\"q\"";
        assert_eq!(by_records(text, b','), by_csv(text, b','));
        assert_eq!(by_records(text, b',').len(), 5);
        // A line longer than the buffer.
        let long = format!("{}\n1,2\n", "x".repeat(3 * CHUNK));
        assert_eq!(
            by_records(long.as_bytes(), b','),
            by_csv(long.as_bytes(), b',')
        );
    }

    proptest! {
        #[test]
        fn any_text_reads_as_the_csv_crate_reads_it(
            text in proptest::collection::vec(
                prop_oneof![Just(b','), Just(b';'), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'a'), Just(0xE8u8)],
                0..200,
            ),
            semicolon in any::<bool>(),
        ) {
            let d = if semicolon { b';' } else { b',' };
            prop_assert_eq!(by_records(&text, d), by_csv(&text, d));
        }
    }
}
