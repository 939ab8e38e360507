//! Records as rows of the `records` table: writing a transition as a checksummed row, and
//! reading rows back — checked in order (checksum, decoding, sequence) so that the first bad
//! row and everything after it are reported as damage, never silently replayed.

use std::path::Path;

use rusqlite::{Connection, params};

use super::{Damage, FILE_NAME, JournalError, Record, sql};
use crate::engine::Transition;
use crate::time::Timestamp;

/// Reads every intact record of the journal in `dir` without a plan (for export).
pub fn read_records(dir: &Path) -> Result<Vec<Record>, JournalError> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Err(JournalError::Missing(dir.to_owned()));
    }
    let conn = sql(
        &path,
        Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY),
    )?;
    Ok(read_checked(&path, &conn)?.0)
}

pub(super) struct Row {
    seq: u64,
    at: i64,
    actor: String,
    command: String,
    reason: String,
    key: Option<String>,
    revision: u64,
    before: String,
    after: String,
}

impl Row {
    /// Writes the row (with its checksum) in `tx`.
    pub(super) fn insert(&self, tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<usize> {
        tx.execute(
            "INSERT INTO records (seq, at, actor, command, reason, idempotency_key, revision, before, after, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![self.seq, self.at, self.actor, self.command, self.reason, self.key, self.revision, self.before, self.after, self.checksum()],
        )
    }

    pub(super) fn from_transition(seq: u64, t: &Transition) -> Row {
        Row {
            seq,
            at: t.at.0,
            actor: t.actor.clone(),
            command: serde_json::to_string(&t.command).expect("commands serialize"),
            reason: t.reason.clone(),
            key: t.idempotency_key.clone(),
            revision: t.revision,
            before: t.before.to_string(),
            after: t.after.to_string(),
        }
    }

    fn checksum(&self) -> String {
        let text = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.seq,
            self.at,
            self.actor,
            self.command,
            self.reason,
            self.key.as_deref().unwrap_or("\u{0}"),
            self.revision,
            self.before,
            self.after
        );
        format!("{:016x}", crate::assign::fnv1a(text.as_bytes()))
    }

    fn decode(&self) -> Result<Record, String> {
        let command = serde_json::from_str(&self.command)
            .map_err(|e| format!("command does not decode: {e}"))?;
        let before = serde_json::from_str(&self.before)
            .map_err(|e| format!("`before` does not decode: {e}"))?;
        let after = serde_json::from_str(&self.after)
            .map_err(|e| format!("`after` does not decode: {e}"))?;
        let transition = Transition {
            revision: self.revision,
            at: Timestamp(self.at),
            actor: self.actor.clone(),
            command,
            reason: self.reason.clone(),
            idempotency_key: self.key.clone(),
            before,
            after,
        };
        Ok(Record {
            seq: self.seq,
            transition,
        })
    }
}

const SELECT: &str = "SELECT seq, at, actor, command, reason, idempotency_key, revision, before, after, checksum FROM records";

fn query_rows(
    path: &Path,
    conn: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(Row, String)>, JournalError> {
    let mut stmt = sql(path, conn.prepare(&format!("{SELECT} {clause}")))?;
    let rows = sql(
        path,
        stmt.query_map(params, |r| {
            let row = Row {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                command: r.get(3)?,
                reason: r.get(4)?,
                key: r.get(5)?,
                revision: r.get(6)?,
                before: r.get(7)?,
                after: r.get(8)?,
            };
            Ok((row, r.get::<_, String>(9)?))
        }),
    )?;
    sql(path, rows.collect::<rusqlite::Result<Vec<_>>>())
}

/// Up to `limit` intact records after `since`, read without disturbing the writer; stops at
/// the first damaged record.
pub fn read_since(dir: &Path, since: u64, limit: usize) -> Result<Vec<Record>, JournalError> {
    let path = dir.join(FILE_NAME);
    let conn = sql(
        &path,
        Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY),
    )?;
    let rows = query_rows(
        &path,
        &conn,
        "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        params![since, limit],
    )?;
    Ok(rows
        .into_iter()
        .map_while(|(row, checksum)| {
            if row.checksum() == checksum {
                row.decode().ok()
            } else {
                None
            }
        })
        .collect())
}

pub(super) fn read_checked(
    path: &Path,
    conn: &Connection,
) -> Result<(Vec<Record>, Option<Damage>), JournalError> {
    let rows = query_rows(path, conn, "ORDER BY seq", [])?;
    let total = rows.len();
    let mut records = Vec::with_capacity(total);
    for (n, (row, checksum)) in rows.into_iter().enumerate() {
        let expected_seq = n as u64 + 1;
        let problem = if row.seq != expected_seq {
            Some(format!("expected record {expected_seq} here"))
        } else if row.checksum() != checksum {
            Some("checksum mismatch".to_owned())
        } else if row.revision != row.seq {
            Some(format!("revision {} does not follow", row.revision))
        } else {
            match row.decode() {
                Ok(record) => {
                    records.push(record);
                    None
                }
                Err(e) => Some(e),
            }
        };
        if let Some(reason) = problem {
            return Ok((
                records,
                Some(Damage {
                    first_seq: expected_seq.min(row.seq),
                    reason,
                    moved: total - n,
                }),
            ));
        }
    }
    Ok((records, None))
}
