//! Working on a journal from outside the server: reading it for export and for the events API,
//! salvaging what can be read from a damaged one, recovering its verified prefix under a new
//! lineage, and backing it up and restoring it. Nothing here deletes a journal file: damaged
//! or replaced files are moved aside into a dated directory beside them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, params};

use super::head::{Head, HeadFile};
use super::rows::{self, Row};
use super::verify::{self, Problem, Report, read_database};
use super::{
    FILE_NAME, HEAD_FILE, JournalError, Record, connect, io, lineage_transition, lock, new_lineage,
    sql,
};
use crate::assign::Algorithm;
use crate::engine::Command;
use crate::time::Timestamp;

/// Every record of an intact journal (for export); a damaged one is an error with its report.
pub fn read_records(dir: &Path) -> Result<Vec<Record>, JournalError> {
    if !dir.join(FILE_NAME).exists() {
        return Err(JournalError::Missing(dir.to_owned()));
    }
    let report = verify::verify(dir);
    if report.intact() {
        Ok(report.records().to_vec())
    } else {
        Err(JournalError::Damaged(Box::new(report)))
    }
}

/// Opens the journal read-only. An empty file is not opened at all: SQLite, opening it,
/// would delete the WAL beside it (which may hold every record).
fn read_only(path: &Path) -> Result<Connection, JournalError> {
    if std::fs::metadata(path).map_or(0, |m| m.len()) == 0 {
        return Err(JournalError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(
                "the file is empty; left untouched so that its WAL is kept (see `cutover journal verify`)",
            ),
        });
    }
    sql(path, verify::open_read_only(path))
}

/// Up to `limit` records after `since`, read without disturbing the writer; stops at the
/// first record that does not follow from the one before it.
pub fn read_since(dir: &Path, since: u64, limit: usize) -> Result<Vec<Record>, JournalError> {
    let path = dir.join(FILE_NAME);
    let conn = read_only(&path)?;
    let found = sql(
        &path,
        rows::query(
            &conn,
            2,
            "WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
            params![since.max(1), limit + 1],
        ),
    )?;
    let mut found = found.into_iter().peekable();
    let mut chain = rows::GENESIS.to_owned();
    if since > 0 {
        match found.next() {
            Some((row, stored)) if row.seq == since => chain = stored,
            _ => return Ok(Vec::new()),
        }
    }
    let mut records = Vec::new();
    for (row, stored) in found.take(limit) {
        let next = row.chain(&chain);
        if next != stored || row.seq != since + records.len() as u64 + 1 {
            break;
        }
        match row.decode() {
            Ok(r) => records.push(r),
            Err(_) => break,
        }
        chain = next;
    }
    Ok(records)
}

/// What `salvage` could read from a journal.
#[derive(Debug)]
pub struct Salvage {
    /// Every record that decodes, in order — past a break too.
    pub records: Vec<Record>,
    /// The verification report (intact, or what is wrong).
    pub report: Report,
    /// Records found but left out, with why.
    pub skipped: Vec<(u64, String)>,
}

/// Every readable record of the journal in `dir`, damaged or not: an intact journal gives all
/// of them; a damaged one also gives the rows after a break that still decode (they cannot be
/// proved genuine, so the report goes with them), probing one record at a time when SQLite
/// cannot scan the file.
pub fn salvage(dir: &Path) -> Result<Salvage, JournalError> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Err(JournalError::Missing(dir.to_owned()));
    }
    let report = verify::verify(dir);
    if report.intact() {
        return Ok(Salvage {
            records: report.records().to_vec(),
            report,
            skipped: Vec::new(),
        });
    }
    if std::fs::metadata(&path).map_or(0, |m| m.len()) == 0 {
        return Ok(Salvage {
            records: Vec::new(),
            report,
            skipped: Vec::new(),
        });
    }
    let conn = read_only(&path)?;
    let format = report.meta.format;
    let rows = rows::query(&conn, format, "ORDER BY seq", [])
        .unwrap_or_else(|_| probe(&conn, format, report.expected()));
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for (row, _) in rows {
        match row.decode() {
            Ok(r) => records.push(r),
            Err(e) => skipped.push((row.seq, e)),
        }
    }
    Ok(Salvage {
        records,
        report,
        skipped,
    })
}

/// Reads records one by one when SQLite cannot scan the table: a damaged page loses only the
/// rows on it. Probes up to `expected` (at least 1,000), and on past it while rows turn up.
fn probe(conn: &Connection, format: u8, expected: u64) -> Vec<(Row, String)> {
    let mut rows = Vec::new();
    let mut misses = 0;
    for seq in 1.. {
        match rows::query(conn, format, "WHERE seq = ?1", [seq]) {
            Ok(mut found) if !found.is_empty() => {
                misses = 0;
                rows.push(found.remove(0));
            }
            _ => misses += 1,
        }
        if misses > 1000 && seq > expected.max(1000) {
            break;
        }
    }
    rows
}

/// A new directory beside the journal for files moved aside: `DIR/<what>-<UTC time>`.
fn aside_dir(dir: &Path, what: &str) -> Result<PathBuf, JournalError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let aside = dir.join(format!("{what}-{stamp}"));
    io(&aside, std::fs::create_dir_all(&aside))?;
    Ok(aside)
}

/// Moves the journal's files (database, WAL, shared memory, head) into `aside`.
fn move_aside(dir: &Path, aside: &Path) -> Result<(), JournalError> {
    let wal = format!("{FILE_NAME}-wal");
    let shm = format!("{FILE_NAME}-shm");
    for name in [FILE_NAME, wal.as_str(), shm.as_str(), HEAD_FILE] {
        let from = dir.join(name);
        if from.exists() {
            io(&from, std::fs::rename(&from, aside.join(name)))?;
        }
    }
    io(dir, std::fs::File::open(dir).and_then(|d| d.sync_all()))
}

/// Writes a new journal in `dir` from verified `rows`, then `last` (the lineage's first
/// record), with a head.
fn write_new(
    dir: &Path,
    rollout: &str,
    started: Timestamp,
    lineage: &str,
    assignment: &str,
    rows: &[Row],
    last: &crate::engine::Transition,
) -> Result<(), JournalError> {
    let path = dir.join(FILE_NAME);
    let mut conn = connect(&path)?;
    let tx = sql(&path, conn.transaction())?;
    sql(
        &path,
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('rollout', ?1), ('started', ?2), ('lineage', ?3), ('assignment', ?4), ('format', '2')",
            params![rollout, started.0.to_string(), lineage, assignment],
        ),
    )?;
    let mut chain = rows::GENESIS.to_owned();
    for row in rows {
        chain = row.chain(&chain);
        sql(&path, row.insert(&tx, &chain))?;
    }
    let row = Row::from_transition(rows.len() as u64 + 1, last);
    chain = row.chain(&chain);
    sql(&path, row.insert(&tx, &chain))?;
    sql(&path, tx.commit())?;
    let head = Head {
        rollout: rollout.to_owned(),
        lineage: lineage.to_owned(),
        seq: row.seq,
        chain,
        at: last.at.0,
        assignment: Some(assignment.to_owned()),
    };
    io(dir, HeadFile::open(dir).and_then(|mut h| h.write(&head)))
}

/// What `recover` did.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// Records kept.
    pub kept: u64,
    /// Records lost (as far as the head says).
    pub lost: u64,
    /// The new lineage.
    pub lineage: String,
    /// Where the damaged files went.
    pub aside: PathBuf,
    /// What was wrong.
    pub report: Report,
}

/// Recovers a damaged journal in `dir`: keeps its verified prefix, moves the damaged files
/// aside, and starts a new lineage with a `recovered` record naming the lost range. `None`
/// when the journal is intact (nothing to do).
pub fn recover(dir: &Path, now: Timestamp) -> Result<Option<Recovery>, JournalError> {
    let _lock = lock(dir)?;
    let report = verify::verify(dir);
    if report.intact() {
        return Ok(None);
    }
    let kept = report.records().len() as u64;
    let expected = report.expected();
    let rollout = report
        .meta
        .rollout
        .clone()
        .or_else(|| report.head.as_ref().map(|h| h.rollout.clone()))
        .unwrap_or_default();
    let started = report
        .meta
        .started
        .or_else(|| report.records().first().map(|r| r.transition.at))
        .unwrap_or(now);
    let assignment = report
        .meta
        .assignment
        .clone()
        .or_else(|| report.head.as_ref()?.assignment.clone())
        .unwrap_or_else(|| Algorithm::CutoverV1.name().to_owned());
    let aside = aside_dir(dir, "damaged")?;
    move_aside(dir, &aside)?;
    let lineage = new_lineage(report.chain());
    let recovered = lineage_transition(
        kept + 1,
        now,
        "cutover serve --recover",
        Command::Recovered {
            lost_from: kept + 1,
            lost_to: (expected > kept).then_some(expected),
            lineage: lineage.clone(),
            aside: aside.display().to_string(),
        },
        format!(
            "journal damaged: {}; paused, as a lost record may have been a kill, a rollback or a pause: look, then resume",
            problem_in_brief(&report)
        ),
    );
    write_new(
        dir,
        &rollout,
        started,
        &lineage,
        &assignment,
        report.rows(),
        &recovered,
    )?;
    Ok(Some(Recovery {
        kept,
        lost: expected.saturating_sub(kept),
        lineage,
        aside,
        report,
    }))
}

fn problem_in_brief(report: &Report) -> String {
    match &report.problem {
        Some(Problem::Broken { seq, reason }) => format!("record {seq}: {reason}"),
        Some(Problem::MissingTail) => format!(
            "{} of {} records readable",
            report.records().len(),
            report.expected()
        ),
        Some(p) => format!("{p:?}"),
        None => "intact".to_owned(),
    }
}

/// Copies the journal in `dir` to `to` while it may be in use (SQLite's online backup), and
/// verifies the copy. Returns the copy's record count.
pub fn backup(dir: &Path, to: &Path) -> Result<u64, JournalError> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Err(JournalError::Missing(dir.to_owned()));
    }
    if to.exists() {
        return Err(JournalError::Io {
            path: to.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists; name a new file",
            ),
        });
    }
    let report = verify::verify(dir);
    if !report.intact() {
        return Err(JournalError::Damaged(Box::new(report)));
    }
    let source = read_only(&path)?;
    let mut copy = sql(to, Connection::open(to))?;
    {
        let backup = sql(to, rusqlite::backup::Backup::new(&source, &mut copy))?;
        sql(
            to,
            backup.run_to_completion(256, Duration::from_millis(2), None),
        )?;
    }
    drop(copy);
    let (_, scan) = sql(to, read_database(to))?;
    if let Some((seq, reason)) = scan.broken {
        return Err(JournalError::Damaged(Box::new(standalone(to, seq, reason))));
    }
    Ok(scan.records.len() as u64)
}

fn standalone(path: &Path, seq: u64, reason: String) -> Report {
    let mut report = verify::verify(Path::new("/nonexistent"));
    path.clone_into(&mut report.path);
    report.problem = Some(Problem::Broken { seq, reason });
    report
}

/// Puts the backup `from` back as the journal in `dir` (which no server may be using): the
/// current files are moved aside, and a `restored` record starts a new lineage. Returns the
/// records restored, the new lineage and where the replaced journal went (if there was one).
pub fn restore(
    from: &Path,
    dir: &Path,
    now: Timestamp,
) -> Result<(u64, String, Option<PathBuf>), JournalError> {
    if !from.is_file() {
        return Err(JournalError::Io {
            path: from.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such backup file"),
        });
    }
    io(dir, std::fs::create_dir_all(dir))?;
    let _lock = lock(dir)?;
    let (meta, scan) = sql(from, read_database(from))?;
    if let Some((seq, reason)) = scan.broken.clone() {
        return Err(JournalError::Damaged(Box::new(standalone(
            from, seq, reason,
        ))));
    }
    if meta.format < 2 || meta.rollout.is_none() {
        return Err(JournalError::Io {
            path: from.to_owned(),
            source: std::io::Error::other(
                "not a backup of a cutover journal (made with `cutover journal backup`)",
            ),
        });
    }
    let replacing = [FILE_NAME, HEAD_FILE].iter().any(|f| dir.join(f).exists());
    let aside = if replacing {
        let aside = aside_dir(dir, "replaced")?;
        move_aside(dir, &aside)?;
        Some(aside)
    } else {
        None
    };
    let lineage = new_lineage(&scan.chain);
    let kept = scan.records.len() as u64;
    let restored = lineage_transition(
        kept + 1,
        now,
        "cutover journal restore",
        Command::Restored {
            from: from.display().to_string(),
            lineage: lineage.clone(),
        },
        match &aside {
            Some(a) => format!(
                "restored {kept} record(s); the journal it replaced is in {}",
                a.display()
            ),
            None => format!("restored {kept} record(s) into an empty data directory"),
        },
    );
    write_new(
        dir,
        meta.rollout.as_deref().unwrap_or_default(),
        meta.started.unwrap_or(now),
        &lineage,
        meta.assignment
            .as_deref()
            .unwrap_or(Algorithm::CutoverV1.name()),
        &scan.rows,
        &restored,
    )?;
    Ok((kept, lineage, aside))
}
