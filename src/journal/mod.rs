//! The journal: the durable, append-only record of every transition — who, when, why, the
//! command, and what it changed (before and after). The rollout's durable state is the fold
//! of it, so opening a journal replays it to the identical state.
//!
//! Storage is `journal.db` in the data directory: SQLite in WAL mode with
//! `synchronous = FULL`, so a record is on disk when `append` returns and only then may the
//! caller acknowledge the action. Each record carries a checksum; on open, the first record
//! that fails it (or does not decode, or breaks the sequence) and every later one are moved
//! to a `damaged` table and reported, and the records before it are kept and replayed.

pub mod export;
mod rows;

use rows::{Row, read_checked};
pub use rows::{read_records, read_since};

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::engine::{Rollout, Transition, replay};
use crate::plan::Plan;
use crate::time::Timestamp;

/// The journal file's name in the data directory.
pub const FILE_NAME: &str = "journal.db";

/// Why a journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite failed.
    #[error(
        "journal {path}: {source} (if the file is damaged beyond repair, move it aside and start a new data directory)"
    )]
    Sqlite {
        /// The journal file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The data directory could not be created.
    #[error("data directory {path}: {source}")]
    Io {
        /// The directory.
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

/// What was found damaged when opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The first damaged record.
    pub first_seq: u64,
    /// What is wrong with it.
    pub reason: String,
    /// How many records were moved aside (it and every later one).
    pub moved: usize,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "journal record {} is damaged ({}); it and {} later record(s) were moved to the `damaged` table, and the {} record(s) before it were kept",
            self.first_seq,
            self.reason,
            self.moved.saturating_sub(1),
            self.first_seq - 1
        )
    }
}

/// An open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    last_seq: u64,
}

/// A journal just opened, with the state it replays to.
pub struct Opened {
    /// The journal, ready to append.
    pub journal: Journal,
    /// The replayed durable state.
    pub rollout: Rollout,
    /// Every record kept.
    pub records: Vec<Record>,
    /// A damaged tail that was moved aside, if any.
    pub damage: Option<Damage>,
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
    revision INTEGER NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    checksum TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS damaged AS SELECT * FROM records WHERE 0;
";

fn sql<T>(path: &Path, r: rusqlite::Result<T>) -> Result<T, JournalError> {
    r.map_err(|source| JournalError::Sqlite {
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

impl Journal {
    /// Opens (or creates) the journal of `plan`'s rollout in `dir` and replays it.
    pub fn open(dir: &Path, plan: &Plan, now: Timestamp) -> Result<Opened, JournalError> {
        std::fs::create_dir_all(dir).map_err(|source| JournalError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        let mut conn = connect(&path)?;
        let rollout_id = &plan.profile().rollout.id;
        let meta = |conn: &Connection, key: &str| {
            sql(
                &path,
                conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                    r.get::<_, String>(0)
                })
                .optional(),
            )
        };
        match meta(&conn, "rollout")? {
            Some(found) if &found != rollout_id => {
                return Err(JournalError::OtherRollout {
                    path,
                    found,
                    expected: rollout_id.clone(),
                });
            }
            Some(_) => {}
            None => {
                sql(
                    &path,
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('rollout', ?1), ('started', ?2)",
                        params![rollout_id, now.0.to_string()],
                    ),
                )?;
            }
        }
        let started = meta(&conn, "started")?
            .and_then(|s| s.parse().ok())
            .map_or(now, Timestamp);
        let (records, damage) = read_checked(&path, &conn)?;
        if let Some(d) = &damage {
            let tx = sql(&path, conn.transaction())?;
            sql(
                &path,
                tx.execute(
                    "INSERT INTO damaged SELECT * FROM records WHERE seq >= ?1",
                    [d.first_seq],
                ),
            )?;
            sql(
                &path,
                tx.execute("DELETE FROM records WHERE seq >= ?1", [d.first_seq]),
            )?;
            sql(&path, tx.commit())?;
        }
        let rollout =
            replay(plan, started, records.iter().map(|r| &r.transition)).map_err(|message| {
                JournalError::Replay {
                    path: path.clone(),
                    message,
                }
            })?;
        let last_seq = records.last().map_or(0, |r| r.seq);
        Ok(Opened {
            journal: Journal {
                conn,
                path,
                last_seq,
            },
            rollout,
            records,
            damage,
        })
    }

    /// Appends transitions in one transaction; durable when this returns.
    pub fn append(&mut self, transitions: &[Transition]) -> Result<(), JournalError> {
        if transitions.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let tx = sql(&path, self.conn.transaction())?;
        let mut seq = self.last_seq;
        for t in transitions {
            seq += 1;
            sql(&path, Row::from_transition(seq, t).insert(&tx))?;
        }
        sql(&path, tx.commit())?;
        self.last_seq = seq;
        Ok(())
    }

    /// The sequence number of the last record.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The journal file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}
