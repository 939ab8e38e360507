//! The journal: the durable, append-only record of every transition — who, when, why, the
//! command, and what it changed (before and after). The rollout's durable state is the fold
//! of it, so opening a journal replays it to the identical state.
//!
//! Storage is `journal.db` in the data directory: SQLite in WAL mode with
//! `synchronous = FULL`, so a record is on disk when `append` returns and only then may the
//! caller acknowledge the action. Records are chained (`rows`) and a head file (`head`) says
//! how far the journal went, so a journal is never silently shorter than it was: `open`
//! verifies it read-only first (`verify`) and refuses anything but an intact journal, changing
//! no byte. `recover` keeps a damaged journal's verified prefix under a new lineage (moving the
//! damaged files aside), and `maintain` salvages, backs up and restores.

pub mod export;
mod head;
pub mod maintain;
mod rows;
pub mod verify;

pub use head::{HEAD_FILE, Head};
pub use maintain::{
    Recovery, Salvage, backup, read_records, read_since, recover, restore, salvage,
};
pub use verify::{Problem, Report, verify};

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::assign::Algorithm;
use crate::engine::{Command, Rollout, Transition, replay};
use crate::plan::Plan;
use crate::time::Timestamp;
use head::HeadFile;
use rows::Row;

/// The journal file's name in the data directory.
pub const FILE_NAME: &str = "journal.db";
/// The lock a running journal holds in the data directory.
pub const LOCK_FILE: &str = "journal.lock";

/// Why a journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite failed.
    #[error("journal {path}: {source}")]
    Sqlite {
        /// The journal file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A file of the data directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The journal belongs to another rollout.
    #[error(
        "journal {path} records rollout `{found}`, not `{expected}`: use another data directory for this profile"
    )]
    OtherRollout {
        /// The journal file.
        path: PathBuf,
        /// The rollout in the journal.
        found: String,
        /// The rollout of the profile.
        expected: String,
    },
    /// A record names something the profile no longer has.
    #[error(
        "journal {path} cannot be replayed against this profile: {message} (was the profile changed? use the profile the journal was written with)"
    )]
    Replay {
        /// The journal file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The journal is damaged or shorter than it was.
    #[error("{0}")]
    Damaged(Box<Report>),
    /// Another process has the journal open.
    #[error("{0} is in use by another cutover process (a running `cutover serve`?): stop it first")]
    Locked(PathBuf),
    /// No journal in the directory.
    #[error("no journal in {0} (expected {FILE_NAME})")]
    Missing(PathBuf),
}

/// A journaled transition with its place in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position, from 1; equal to the revision the transition produced.
    pub seq: u64,
    /// The transition.
    #[serde(flatten)]
    pub transition: Transition,
}

/// An open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    head: HeadFile,
    rollout: String,
    lineage: String,
    assignment: Algorithm,
    last_seq: u64,
    chain: String,
    /// Held while the journal is open: one writer per data directory.
    _lock: File,
}

/// A journal just opened, with the state it replays to.
pub struct Opened {
    /// The journal, ready to append.
    pub journal: Journal,
    /// The replayed durable state.
    pub rollout: Rollout,
    /// Every record.
    pub records: Vec<Record>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    reason TEXT NOT NULL,
    idempotency_key TEXT,
    fingerprint TEXT,
    revision INTEGER NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    checksum TEXT NOT NULL
);
";

fn sql<T>(path: &Path, r: rusqlite::Result<T>) -> Result<T, JournalError> {
    r.map_err(|source| JournalError::Sqlite {
        path: path.to_owned(),
        source,
    })
}

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, JournalError> {
    r.map_err(|source| JournalError::Io {
        path: path.to_owned(),
        source,
    })
}

fn connect(path: &Path) -> Result<Connection, JournalError> {
    let conn = sql(path, Connection::open(path))?;
    sql(path, conn.pragma_update(None, "journal_mode", "WAL"))?;
    sql(path, conn.pragma_update(None, "synchronous", "FULL"))?;
    sql(path, conn.execute_batch(SCHEMA))?;
    Ok(conn)
}

/// Takes the data directory's lock, or says who holds it.
fn lock(dir: &Path) -> Result<File, JournalError> {
    let path = dir.join(LOCK_FILE);
    let file = io(&path, File::create(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Locked(dir.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(JournalError::Io { path, source: e }),
    }
}

/// A new lineage id: 12 hex digits, different at every call.
fn new_lineage(seed: &str) -> String {
    use sha2::Digest;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = sha2::Sha256::digest(format!("{seed}/{now}/{}", std::process::id()));
    rows::hex(&digest[..6])
}

impl Journal {
    /// Opens (or creates) the journal of `plan`'s rollout in `dir` and replays it — only if it
    /// verifies intact; otherwise nothing is changed and the report is the error.
    pub fn open(dir: &Path, plan: &Plan, now: Timestamp) -> Result<Opened, JournalError> {
        io(dir, std::fs::create_dir_all(dir))?;
        let lock = lock(dir)?;
        let report = verify(dir);
        if !report.intact() {
            return Err(JournalError::Damaged(Box::new(report)));
        }
        let rollout_id = &plan.profile().rollout.id;
        let path = dir.join(FILE_NAME);
        if let Some(found) = report.meta.rollout.as_ref().filter(|r| *r != rollout_id) {
            return Err(JournalError::OtherRollout {
                path,
                found: found.clone(),
                expected: rollout_id.clone(),
            });
        }
        let mut conn = connect(&path)?;
        let started = report.meta.started.unwrap_or(now);
        let lineage = report
            .meta
            .lineage
            .clone()
            .unwrap_or_else(|| new_lineage(rollout_id));
        let assignment = match report.meta.assignment.as_deref() {
            Some(name) => name.parse().map_err(|message| JournalError::Replay {
                path: path.clone(),
                message,
            })?,
            // A new journal starts with the plan's algorithm; one started before algorithms
            // were recorded used the only one there was.
            None if report.meta.rollout.is_none() && report.records().is_empty() => {
                plan.assignment()
            }
            None => Algorithm::CutoverV1,
        };
        let tx = sql(&path, conn.transaction())?;
        if report.meta.format < 2 {
            // A journal from before the chain: chain its rows, now that they verified.
            sql(&path, tx.execute_batch("ALTER TABLE records ADD COLUMN fingerprint TEXT; DROP TABLE IF EXISTS damaged;"))?;
            let mut chain = rows::GENESIS.to_owned();
            for row in report.rows() {
                chain = row.chain(&chain);
                sql(
                    &path,
                    tx.execute(
                        "UPDATE records SET checksum = ?1 WHERE seq = ?2",
                        params![chain, row.seq],
                    ),
                )?;
            }
        }
        sql(
            &path,
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('rollout', ?1), ('started', ?2), ('lineage', ?3), ('assignment', ?4), ('format', '2')",
                params![rollout_id, started.0.to_string(), lineage, assignment.name()],
            ),
        )?;
        sql(&path, tx.commit())?;
        let records = report.records().to_vec();
        let rollout =
            replay(plan, started, records.iter().map(|r| &r.transition)).map_err(|message| {
                JournalError::Replay {
                    path: path.clone(),
                    message,
                }
            })?;
        let mut journal = Journal {
            conn,
            head: io(dir, HeadFile::open(dir))?,
            rollout: rollout_id.clone(),
            lineage,
            assignment,
            last_seq: records.last().map_or(0, |r| r.seq),
            chain: report.chain().to_owned(),
            path,
            _lock: lock,
        };
        let at = records.last().map_or(now, |r| r.transition.at);
        journal.write_head(at)?;
        Ok(Opened {
            journal,
            rollout,
            records,
        })
    }

    fn write_head(&mut self, at: Timestamp) -> Result<(), JournalError> {
        let head = Head {
            rollout: self.rollout.clone(),
            lineage: self.lineage.clone(),
            seq: self.last_seq,
            chain: self.chain.clone(),
            at: at.0,
            assignment: Some(self.assignment.name().to_owned()),
        };
        let path = self.path.with_file_name(HEAD_FILE);
        io(&path, self.head.write(&head))
    }

    /// Appends transitions in one transaction, then moves the head; durable when this
    /// returns.
    pub fn append(&mut self, transitions: &[Transition]) -> Result<(), JournalError> {
        let Some(last) = transitions.last() else {
            return Ok(());
        };
        let path = self.path.clone();
        let tx = sql(&path, self.conn.transaction())?;
        let mut seq = self.last_seq;
        let mut chain = self.chain.clone();
        for t in transitions {
            seq += 1;
            let row = Row::from_transition(seq, t);
            chain = row.chain(&chain);
            sql(&path, row.insert(&tx, &chain))?;
        }
        sql(&path, tx.commit())?;
        self.last_seq = seq;
        self.chain = chain;
        // The records are durable now; a head that cannot be moved lags behind them, which
        // the next open accepts, so this is reported and not undone.
        if let Err(e) = self.write_head(last.at) {
            tracing::error!(error = %e, "the journal head could not be written");
        }
        Ok(())
    }

    /// The sequence number of the last record.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The journal's lineage.
    #[must_use]
    pub fn lineage(&self) -> &str {
        &self.lineage
    }

    /// The assignment algorithm the rollout started with.
    #[must_use]
    pub fn assignment(&self) -> Algorithm {
        self.assignment
    }

    /// The journal file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The transition that opens a new lineage.
fn lineage_transition(
    revision: u64,
    at: Timestamp,
    actor: &str,
    command: Command,
    reason: String,
) -> Transition {
    Transition {
        revision,
        at,
        actor: actor.to_owned(),
        command,
        reason,
        idempotency_key: None,
        fingerprint: None,
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    }
}
