//! Progress of an import: a bar on a terminal, plain lines in a log, and to the subscribers of
//! `importProgress` ([`Announce`]).

use super::FileSummary;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Told how an import advances.
pub trait Progress: Send {
    /// A file starts; its size when known.
    fn start(&mut self, file: &str, bytes: Option<u64>);
    /// `rows` more rows were read, `bytes` in all so far.
    fn advance(&mut self, rows: u64, bytes: u64);
    /// The file is done: loaded (its summary) or not.
    fn finish(&mut self, summary: Option<&FileSummary>);
}

/// Reports nothing (GraphQL imports, tests).
pub struct Quiet;

impl Progress for Quiet {
    fn start(&mut self, _: &str, _: Option<u64>) {}
    fn advance(&mut self, _: u64, _: u64) {}
    fn finish(&mut self, _: Option<&FileSummary>) {}
}

/// A bar on standard error when it is a terminal, else a line every [`LINE_EVERY`] rows.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar { bar: None })
    } else {
        Box::new(Lines::default())
    }
}

/// Rows between two progress lines.
pub const LINE_EVERY: u64 = 10_000;

/// Plain lines on standard error: `staff.csv: 20000 rows (41%)`.
#[derive(Default)]
pub struct Lines {
    file: String,
    size: Option<u64>,
    rows: u64,
    next: u64,
}

impl Progress for Lines {
    fn start(&mut self, file: &str, bytes: Option<u64>) {
        *self = Self {
            file: file.to_owned(),
            size: bytes,
            rows: 0,
            next: LINE_EVERY,
        };
    }

    fn advance(&mut self, rows: u64, bytes: u64) {
        self.rows += rows;
        if self.rows >= self.next {
            self.next = (self.rows / LINE_EVERY + 1) * LINE_EVERY;
            match self.size.filter(|s| *s > 0) {
                Some(size) => eprintln!("{}: {} rows ({}%)", self.file, self.rows, bytes * 100 / size),
                None => eprintln!("{}: {} rows", self.file, self.rows),
            }
        }
    }

    fn finish(&mut self, _: Option<&FileSummary>) {}
}

/// An indicatif bar over the file's bytes.
struct Bar {
    bar: Option<ProgressBar>,
}

impl Progress for Bar {
    fn start(&mut self, file: &str, bytes: Option<u64>) {
        let bar = ProgressBar::new(bytes.unwrap_or(0));
        let style = ProgressStyle::with_template("{msg:>28} [{bar:30}] {bytes}/{total_bytes} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(file.to_owned());
        self.bar = Some(bar);
    }

    fn advance(&mut self, _: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
        }
    }

    fn finish(&mut self, _: Option<&FileSummary>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// How often a running import's progress is announced to the subscribers at most.
const ANNOUNCE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Reports to `inner` and announces to `importProgress`'s subscribers (`crate::live`): each
/// file's start, its rows read at most every quarter second, and its end (done with the rows
/// written, or failed).
pub struct Announce {
    inner: Box<dyn Progress>,
    announcer: crate::live::ImportAnnouncer,
    file: String,
    rows: u64,
    last: std::time::Instant,
}

impl Announce {
    /// `inner`, and announced on `db`'s database.
    pub fn new(db: &sea_orm::DatabaseConnection, inner: Box<dyn Progress>) -> Self {
        Self {
            inner,
            announcer: crate::live::ImportAnnouncer::new(db),
            file: String::new(),
            rows: 0,
            last: std::time::Instant::now(),
        }
    }

    /// Waits until every event announced has been sent (before the process exits).
    pub async fn flushed(self) {
        self.announcer.flushed().await;
    }

    fn announce(&self, rows_written: u64, state: crate::live::ImportState) {
        self.announcer.announce(crate::live::ImportEvent {
            file: self.file.clone(),
            rows_read: self.rows,
            rows_written,
            state,
        });
    }
}

impl Progress for Announce {
    fn start(&mut self, file: &str, bytes: Option<u64>) {
        self.inner.start(file, bytes);
        self.file = file.to_owned();
        self.rows = 0;
        self.last = std::time::Instant::now();
        self.announce(0, crate::live::ImportState::Running);
    }

    fn advance(&mut self, rows: u64, bytes: u64) {
        self.inner.advance(rows, bytes);
        self.rows += rows;
        if self.last.elapsed() >= ANNOUNCE_EVERY {
            self.last = std::time::Instant::now();
            self.announce(0, crate::live::ImportState::Running);
        }
    }

    fn finish(&mut self, summary: Option<&FileSummary>) {
        self.inner.finish(summary);
        match summary {
            Some(summary) => {
                self.rows = summary.rows;
                self.announce(summary.inserted + summary.updated, crate::live::ImportState::Done);
            }
            None => self.announce(0, crate::live::ImportState::Failed),
        }
    }
}
