//! Verifying a journal without changing it: the database is opened read-only, every record is
//! checked along the chain, and what was found is compared with the head. The [`Report`] says
//! whether the journal is intact and, when it is not, what is missing — the last good record,
//! how many records cannot be read, and what to do. `serve` refuses to start on anything but
//! an intact report, and `cutover journal verify` prints the same report.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::head::{self, HEAD_FILE, Head};
use super::rows::{self, Row, Scan};
use super::{FILE_NAME, Record};
use crate::time::Timestamp;

/// What the journal files say about themselves.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The rollout recorded.
    pub rollout: Option<String>,
    /// When it started.
    pub started: Option<Timestamp>,
    /// The journal's lineage.
    pub lineage: Option<String>,
    /// Storage format: 1 (one checksum per row), 2 (chained, with fingerprints).
    pub format: u8,
    /// The assignment algorithm's name; absent in journals started before it was recorded.
    pub assignment: Option<String>,
}

/// What is wrong with a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The head file exists but cannot be read.
    HeadUnreadable(String),
    /// Records without a head: nothing says how far the journal went.
    NoHead,
    /// The database cannot be read at all.
    Unreadable(String),
    /// A record that does not follow from the ones before it.
    Broken {
        /// The first bad record.
        seq: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Fewer records than the head says (an emptied, truncated or damaged file or WAL).
    MissingTail,
    /// The record the head names is not the one written.
    HeadMismatch,
    /// The head belongs to another rollout than the database.
    OtherRollout,
}

/// The result of verifying a journal.
#[derive(Debug, Clone)]
pub struct Report {
    /// The journal file.
    pub path: PathBuf,
    /// The head, if there is one.
    pub head: Option<Head>,
    /// What the database says about itself.
    pub meta: Meta,
    /// The good records, in order, up to the first problem.
    pub(super) scan: Scan,
    /// What is wrong, if anything.
    pub problem: Option<Problem>,
}

impl Report {
    /// Whether the journal may be opened as it is.
    #[must_use]
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }

    /// The good records, in order.
    #[must_use]
    pub fn records(&self) -> &[Record] {
        &self.scan.records
    }

    pub(super) fn rows(&self) -> &[Row] {
        &self.scan.rows
    }

    /// The chain value of the last good record.
    #[must_use]
    pub fn chain(&self) -> &str {
        &self.scan.chain
    }

    /// How far the journal went, as far as anything says: the head, or the rows found.
    #[must_use]
    pub fn expected(&self) -> u64 {
        let found = self.scan.records.len() as u64 + self.scan.after_break;
        self.head.as_ref().map_or(found, |h| h.seq.max(found))
    }

    /// Records that cannot be read (after the last good one, up to what is expected).
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.expected()
            .saturating_sub(self.scan.records.len() as u64)
    }
}

fn read_meta(conn: &Connection) -> rusqlite::Result<Meta> {
    let has = |table: &str| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
    };
    if !has("meta")? {
        return Ok(Meta {
            format: 2,
            ..Meta::default()
        });
    }
    let get = |key: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    };
    let format = match get("format")? {
        Some(f) => f.parse().unwrap_or(2),
        None if has("records")? => 1,
        None => 2,
    };
    Ok(Meta {
        rollout: get("rollout")?,
        started: get("started")?.and_then(|s| s.parse().ok()).map(Timestamp),
        lineage: get("lineage")?,
        assignment: get("assignment")?,
        format,
    })
}

/// Opens the database read-only without creating or changing any file: without a WAL beside
/// it, as immutable (SQLite would otherwise create one).
pub(super) fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let wal = path.with_file_name(format!("{FILE_NAME}-wal"));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if wal.exists() {
        Connection::open_with_flags(path, flags)
    } else {
        let uri = format!("file:{}?immutable=1", path.display());
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
    }
}

/// Reads the database read-only: its meta and a scan of its records.
pub(super) fn read_database(path: &Path) -> rusqlite::Result<(Meta, Scan)> {
    if std::fs::metadata(path).map_or(0, |m| m.len()) == 0 {
        // An empty file holds nothing — and SQLite, opening it, would delete a WAL beside it.
        let meta = Meta {
            format: 2,
            ..Meta::default()
        };
        return Ok((meta, rows::scan(Vec::new(), 2)));
    }
    let conn = open_read_only(path)?;
    let meta = read_meta(&conn)?;
    let has_records = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'records'",
        [],
        |r| r.get::<_, i64>(0),
    )? > 0;
    if !has_records {
        let format = meta.format;
        return Ok((meta, rows::scan(Vec::new(), format)));
    }
    let found = rows::query(&conn, meta.format, "ORDER BY seq", [])?;
    let format = meta.format;
    Ok((meta, rows::scan(found, format)))
}

/// Verifies the journal in `dir`, changing nothing.
#[must_use]
pub fn verify(dir: &Path) -> Report {
    let path = dir.join(FILE_NAME);
    let mut report = Report {
        path: path.clone(),
        head: None,
        meta: Meta {
            format: 2,
            ..Meta::default()
        },
        scan: rows::scan(Vec::new(), 2),
        problem: None,
    };
    match head::read(dir) {
        Ok(h) => report.head = h,
        Err(e) => {
            report.problem = Some(Problem::HeadUnreadable(e));
            return report;
        }
    }
    if path.exists() {
        match read_database(&path) {
            Ok((meta, scan)) => {
                report.meta = meta;
                report.scan = scan;
            }
            Err(e) => {
                report.problem = Some(Problem::Unreadable(e.to_string()));
                return report;
            }
        }
    }
    report.problem = judge(&report);
    report
}

fn judge(report: &Report) -> Option<Problem> {
    let found = report.scan.records.len() as u64;
    if let Some((seq, reason)) = &report.scan.broken {
        return Some(Problem::Broken {
            seq: *seq,
            reason: reason.clone(),
        });
    }
    let Some(head) = &report.head else {
        // A journal written before heads existed has none; a chained one always has.
        return (found > 0 && report.meta.format >= 2).then_some(Problem::NoHead);
    };
    if report
        .meta
        .rollout
        .as_ref()
        .is_some_and(|r| *r != head.rollout)
    {
        return Some(Problem::OtherRollout);
    }
    if found < head.seq {
        return Some(Problem::MissingTail);
    }
    let at_head = if head.seq == 0 {
        rows::GENESIS.to_owned()
    } else {
        // The chain value of record `head.seq`, recomputed along the scan.
        let mut chain = rows::GENESIS.to_owned();
        for row in &report.scan.rows[..usize::try_from(head.seq).unwrap_or(usize::MAX)] {
            chain = row.chain(&chain);
        }
        chain
    };
    (at_head != head.chain).then_some(Problem::HeadMismatch)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let found = self.scan.records.len();
        let last = self.scan.records.last().map(|r| {
            format!(
                "record {} at {}",
                r.seq,
                crate::wire::format::rfc3339(r.transition.at.0)
            )
        });
        let lineage = self
            .meta
            .lineage
            .as_deref()
            .or(self.head.as_ref().map(|h| h.lineage.as_str()))
            .unwrap_or("-");
        let Some(problem) = &self.problem else {
            return write!(
                f,
                "journal {}: intact, {found} record(s){}, lineage {lineage}",
                self.path.display(),
                last.map(|l| format!(", last {l}")).unwrap_or_default()
            );
        };
        let what = match problem {
            Problem::HeadUnreadable(e) => format!("its head cannot be read ({e})"),
            Problem::NoHead => format!(
                "it holds {found} record(s) but its head ({HEAD_FILE}) is missing, so nothing says they are all"
            ),
            Problem::Unreadable(e) => format!("the database cannot be read ({e})"),
            Problem::Broken { seq, reason } => format!("record {seq} is damaged: {reason}"),
            Problem::MissingTail => format!(
                "it holds {found} readable record(s) but its head says {} were written",
                self.expected()
            ),
            Problem::HeadMismatch => "the record its head names is not the one written".to_owned(),
            Problem::OtherRollout => "its head belongs to another rollout".to_owned(),
        };
        writeln!(f, "journal {} is damaged: {what}.", self.path.display())?;
        match last {
            Some(l) => write!(f, "Last good {l}")?,
            None => f.write_str("No record can be read")?,
        }
        let unreadable = self.lost();
        if unreadable > 1 {
            write!(
                f,
                "; {unreadable} record(s) cannot be read ({}-{})",
                found + 1,
                self.expected()
            )?;
        } else if unreadable == 1 {
            write!(f, "; record {} cannot be read", found + 1)?;
        }
        write!(
            f,
            ". Nothing was changed.\nTo go on: `cutover serve --recover` keeps the {found} good record(s), moves the damaged files aside and starts a new lineage; or `cutover journal restore --from BACKUP`; `cutover journal export` salvages what can be read."
        )
    }
}
