//! Progress of an import: a bar on a terminal, plain lines in a log, nothing over GraphQL.

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
