//! Reading a file on a thread of its own: the header is matched to the format, every cell of
//! every row is parsed, and rows go to the database side in chunks through a bounded channel
//! (so a fast reader waits for the writer instead of filling memory). The file's SHA-256 is
//! computed on the way.

use super::cell::Cell;
use super::spec::Column;
use super::{CHUNK_ROWS, RowError};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::Read;
use tokio::sync::mpsc;

/// A parsed row and the line it starts on.
#[derive(Debug)]
pub struct Row {
    pub line: u64,
    /// One cell per column of the format, in the format's order.
    pub cells: Vec<Cell>,
}

/// What the reader sends.
#[derive(Debug)]
pub enum Message {
    /// Rows that parsed, the errors of those that did not, and the bytes read so far.
    Chunk {
        rows: Vec<Row>,
        errors: Vec<RowError>,
        bytes: u64,
    },
    /// The header does not match the format (or the file cannot be read at all): nothing
    /// else follows.
    Refused(Vec<RowError>),
    /// The end of the file.
    Done { sha256: String, rows: u64 },
}

/// A reader that hashes what passes through it and notes where its physical lines start, so
/// that a record is named by the line it starts on whatever the line endings — LF, CRLF (what
/// Excel and Python's csv module write) or CR alone — and however many line breaks its
/// quoted cells hold. Only the line ends not yet passed by a record are kept: memory stays
/// within the CSV reader's buffer, whatever the file's size.
struct Tracked<R> {
    inner: R,
    hasher: Sha256,
    /// Bytes read so far.
    offset: u64,
    /// The last byte read was a CR: the next decides whether it ended a line (CR) or is half
    /// of a CRLF. With whether that line was empty.
    pending_cr: Option<bool>,
    /// A byte other than a line break since the last line end.
    content: bool,
    /// Double quotes read so far.
    quotes: u64,
    /// The line ends not yet passed by a record: each LF, and each CR not followed by an LF
    /// (a CRLF ends at its LF).
    ends: VecDeque<LineEnd>,
    /// Line ends passed.
    passed: u64,
    /// Double quotes before the last line end passed: where the current record starts.
    quotes_passed: u64,
    /// The inner reader has reported its end.
    at_end: bool,
}

/// Where a line ends, whether it was empty, and the double quotes read before it.
#[derive(Debug, Clone, Copy)]
struct LineEnd {
    at: u64,
    empty: bool,
    quotes: u64,
}

impl<R> Tracked<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            offset: 0,
            pending_cr: None,
            content: false,
            quotes: 0,
            ends: VecDeque::new(),
            passed: 0,
            quotes_passed: 0,
            at_end: false,
        }
    }

    fn end_line(&mut self, at: u64, empty: bool) {
        let quotes = self.quotes;
        self.ends.push_back(LineEnd { at, empty, quotes });
        self.content = false;
    }

    fn note_lines(&mut self, bytes: &[u8]) {
        for (i, &byte) in bytes.iter().enumerate() {
            let at = self.offset + i as u64;
            if let Some(empty) = self.pending_cr.take() {
                if byte == b'\n' {
                    self.end_line(at, empty);
                    continue;
                }
                self.end_line(at - 1, empty);
            }
            match byte {
                b'\n' => self.end_line(at, !self.content),
                b'\r' => self.pending_cr = Some(!self.content),
                b'"' => {
                    self.quotes += 1;
                    self.content = true;
                }
                _ => self.content = true,
            }
        }
        self.offset += bytes.len() as u64;
    }

    fn pass(&mut self) {
        if let Some(end) = self.ends.pop_front() {
            self.passed += 1;
            self.quotes_passed = end.quotes;
        }
    }

    /// The physical line (from 1) of a record the CSV reader says starts at byte `at`: one
    /// more than the line ends at or before it (after a CRLF the reader places the next record
    /// at the LF, not after it, hence "at or before"), and past the empty lines that follow
    /// (the reader skips them, but places the record before them). Asked in increasing order.
    fn line_of(&mut self, at: u64) -> u64 {
        while self.ends.front().is_some_and(|end| end.at <= at) {
            self.pass();
        }
        while self.ends.front().is_some_and(|end| end.empty) {
            self.pass();
        }
        self.passed + 1
    }

    /// Whether the record whose line was just asked ([`line_of`](Self::line_of)) and that
    /// ends at byte `end` runs to the end of the file inside a quote: it holds an odd number
    /// of double quotes (a closed quoted cell holds an even number, its inner quotes doubled).
    fn unclosed(&self, end: u64) -> bool {
        self.at_end && end == self.offset && (self.quotes - self.quotes_passed) % 2 == 1
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.note_lines(&buf[..n]);
        self.at_end |= n == 0 && !buf.is_empty();
        Ok(n)
    }
}

/// Reads `source` as a file of `columns` named `file`, sending chunks to `tx` until the end
/// (or until the receiver is gone). Runs on a blocking thread.
pub fn read(file: &str, source: Box<dyn Read + Send>, columns: &[Column], tx: &mpsc::Sender<Message>) {
    let error = |line: Option<u64>, column: Option<&str>, reason: String| RowError {
        file: file.to_owned(),
        line,
        column: column.map(str::to_owned),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Tracked::new(source));
    let mut record = csv::ByteRecord::new();
    let header = match reader.read_byte_record(&mut record) {
        Ok(true) => record.clone(),
        Ok(false) => {
            let _ = tx.blocking_send(Message::Refused(vec![error(None, None, "the file is empty".into())]));
            return;
        }
        Err(e) => {
            let _ = tx.blocking_send(Message::Refused(vec![error(Some(1), None, e.to_string())]));
            return;
        }
    };
    let positions = match match_header(&header, columns) {
        Ok(positions) => positions,
        Err(problems) => {
            let errors = problems
                .into_iter()
                .map(|(c, r)| error(Some(1), c.as_deref(), r))
                .collect();
            let _ = tx.blocking_send(Message::Refused(errors));
            return;
        }
    };

    let mut rows = Vec::with_capacity(CHUNK_ROWS);
    let mut errors = Vec::new();
    let mut total = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // An I/O failure mid-file: refuse what was read so far.
                let line = e.position().map(|p| p.line());
                errors.push(error(line, None, format!("cannot be read: {e}")));
                let _ = tx.blocking_send(Message::Chunk { rows, errors, bytes: 0 });
                return;
            }
        }
        total += 1;
        let start = record.position().map_or(0, |p| p.byte());
        let line = reader.get_mut().line_of(start);
        if reader.get_ref().unclosed(reader.position().byte()) {
            // A quote never closed swallows the rest of the file into this record: name it.
            errors.push(error(
                Some(line),
                None,
                "opens a quote that is never closed: the rest of the file is inside it".to_owned(),
            ));
        } else if record.len() != header.len() {
            errors.push(error(
                Some(line),
                None,
                format!("has {} fields where the header has {}", record.len(), header.len()),
            ));
        } else {
            let mut cells = Vec::with_capacity(columns.len());
            let mut ok = true;
            for (column, &at) in columns.iter().zip(&positions) {
                let bytes = record.get(at).unwrap_or_default();
                let parsed = std::str::from_utf8(bytes)
                    .map_err(|_| "is not valid UTF-8".to_owned())
                    .and_then(|text| Cell::parse(text, column));
                match parsed {
                    Ok(cell) => cells.push(cell),
                    Err(reason) => {
                        ok = false;
                        errors.push(error(Some(line), Some(column.name), reason));
                    }
                }
            }
            if ok {
                rows.push(Row { line, cells });
            }
        }
        if rows.len() + errors.len() >= CHUNK_ROWS {
            let bytes = record.position().map_or(0, |p| p.byte());
            let chunk = Message::Chunk {
                rows: std::mem::replace(&mut rows, Vec::with_capacity(CHUNK_ROWS)),
                errors: std::mem::take(&mut errors),
                bytes,
            };
            if tx.blocking_send(chunk).is_err() {
                return;
            }
        }
    }
    let bytes = reader.position().byte();
    if (!rows.is_empty() || !errors.is_empty()) && tx.blocking_send(Message::Chunk { rows, errors, bytes }).is_err() {
        return;
    }
    let sha256 = hex(&reader.into_inner().hasher.finalize());
    let _ = tx.blocking_send(Message::Done { sha256, rows: total });
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// For each column of the format, its position in the file; or every problem of the header.
fn match_header(header: &csv::ByteRecord, columns: &[Column]) -> Result<Vec<usize>, Vec<(Option<String>, String)>> {
    let mut problems = Vec::new();
    let mut names = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(name) => {
                let name = if i == 0 {
                    name.trim_start_matches('\u{feff}')
                } else {
                    name
                };
                names.push(name.trim().to_owned());
            }
            Err(_) => {
                problems.push((None, format!("header field {} is not valid UTF-8", i + 1)));
                names.push(String::new());
            }
        }
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            problems.push((Some(name.clone()), "appears twice in the header".to_owned()));
        } else if !name.is_empty() && !columns.iter().any(|c| c.name == name) {
            let expected: Vec<&str> = columns.iter().map(|c| c.name).collect();
            problems.push((
                Some(name.clone()),
                format!("is not a column of this file (expected {})", expected.join(", ")),
            ));
        }
    }
    let mut positions = Vec::with_capacity(columns.len());
    for column in columns {
        match names.iter().position(|n| n == column.name) {
            Some(at) => positions.push(at),
            None => problems.push((Some(column.name.to_owned()), "is missing from the header".to_owned())),
        }
    }
    if problems.is_empty() {
        Ok(positions)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::Type;
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column {
                name: "code",
                ty: Type::Text { max: None },
                nullable: false,
            },
            Column {
                name: "hours",
                ty: Type::Float { min: 0.0 },
                nullable: true,
            },
        ]
    }

    fn read_all(text: &[u8]) -> Vec<Message> {
        let (tx, mut rx) = mpsc::channel(1000);
        let owned = text.to_vec();
        read("t.csv", Box::new(std::io::Cursor::new(owned)), &columns(), &tx);
        drop(tx);
        let mut out = Vec::new();
        while let Ok(message) = rx.try_recv() {
            out.push(message);
        }
        out
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let messages = read_all(b"hours,code\n1.5,A\n,B\n");
        let Message::Chunk { rows, errors, .. } = &messages[0] else {
            panic!("{messages:?}")
        };
        assert!(errors.is_empty());
        assert_eq!(rows[0].cells, vec![Cell::Text("A".into()), Cell::Float(1.5)]);
        assert_eq!((rows[1].line, &rows[1].cells[1]), (3, &Cell::Null));
        assert!(matches!(&messages[1], Message::Done { rows: 2, .. }));
    }

    #[test]
    fn an_unknown_or_missing_column_refuses_the_file() {
        let messages = read_all(b"code,minutes\nA,3\n");
        let Message::Refused(errors) = &messages[0] else {
            panic!("{messages:?}")
        };
        let columns: Vec<_> = errors.iter().map(|e| e.column.as_deref()).collect();
        assert_eq!(columns, vec![Some("minutes"), Some("hours")]);
        assert_eq!(messages.len(), 1);
    }

    #[test]
    fn ragged_and_non_utf8_rows_are_errors_with_their_line_and_column() {
        let messages = read_all(b"code,hours\nA,1\nB\nC,1,2\n\xff\xfe,2\n");
        let Message::Chunk { rows, errors, .. } = &messages[0] else {
            panic!("{messages:?}")
        };
        assert_eq!(rows.len(), 1);
        let found: Vec<_> = errors.iter().map(|e| (e.line, e.column.as_deref())).collect();
        assert_eq!(found, vec![(Some(3), None), (Some(4), None), (Some(5), Some("code"))]);
        assert!(errors[0].reason.contains("1 fields where the header has 2"));
    }

    /// The lines of the rows and errors of `text`, a file whose rows 2 and 4 are bad.
    fn lines(text: &[u8]) -> (Vec<u64>, Vec<u64>) {
        let messages = read_all(text);
        let Message::Chunk { rows, errors, .. } = &messages[0] else {
            panic!("{messages:?}")
        };
        (
            rows.iter().map(|r| r.line).collect(),
            errors.iter().map(|e| e.line.unwrap()).collect(),
        )
    }

    #[test]
    fn a_record_is_named_by_its_physical_line_whatever_the_line_endings() {
        let lf = b"code,hours\nA,1\nB,x\nC,2\nD,y\n".to_vec();
        let expected = (vec![2, 4], vec![3, 5]);
        assert_eq!(lines(&lf), expected, "LF");
        let crlf: Vec<u8> = String::from_utf8(lf.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes();
        assert_eq!(lines(&crlf), expected, "CRLF");
        let cr: Vec<u8> = String::from_utf8(lf).unwrap().replace('\n', "\r").into_bytes();
        assert_eq!(lines(&cr), expected, "CR");
        // A quoted cell across two lines (CRLF inside it) moves every later record down one.
        let quoted = b"code,hours\r\n\"A\r\nwide\",1\r\nB,x\r\nC,2\r\n";
        assert_eq!(lines(quoted), (vec![2, 5], vec![4]));
    }

    #[test]
    fn blank_lines_are_counted_as_lines() {
        let expected = (vec![2, 6], vec![3, 8]);
        assert_eq!(lines(b"code,hours\nA,1\nB,x\n\n\nC,2\n\nD,y\n"), expected, "LF");
        assert_eq!(
            lines(b"code,hours\r\nA,1\r\nB,x\r\n\r\n\r\nC,2\r\n\r\nD,y\r\n"),
            expected,
            "CRLF"
        );
        assert_eq!(lines(b"code,hours\rA,1\rB,x\r\r\rC,2\r\rD,y\r"), expected, "CR");
    }

    #[test]
    fn an_unclosed_quote_in_the_last_column_is_named_too() {
        let messages = read_all(b"code,hours\nA,1\nB,\"2\nC,3\n");
        let Message::Chunk { rows, errors, .. } = &messages[0] else {
            panic!("{messages:?}")
        };
        assert_eq!(rows.len(), 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0].reason.contains("never closed"), "{}", errors[0].reason);
        // A closed quoted cell at the end of the file, with a doubled quote inside, is fine.
        let messages = read_all(b"code,hours\n\"A \"\"x\"\"\ny\",1");
        let Message::Chunk { rows, errors, .. } = &messages[0] else {
            panic!("{messages:?}")
        };
        assert_eq!((rows.len(), errors.len()), (1, 0), "{errors:?}");
    }

    #[test]
    fn an_unclosed_quote_is_named_as_such() {
        let messages = read_all(b"code,hours\nA,1\n\"B,2\nC,3\n");
        let Message::Chunk { errors, .. } = &messages[0] else {
            panic!("{messages:?}")
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0].reason.contains("never closed"), "{}", errors[0].reason);
    }

    #[test]
    fn the_checksum_is_the_sha256_of_the_bytes() {
        let messages = read_all(b"code,hours\n");
        let Some(Message::Done { sha256, rows: 0 }) = messages.last() else {
            panic!("{messages:?}")
        };
        assert_eq!(sha256, &hex(&Sha256::digest(b"code,hours\n")));
        assert_eq!(sha256.len(), 64);
    }
}
