//! Records as rows of the `records` table, chained: each row's `checksum` is the SHA-256 of the
//! previous row's checksum and this row's fields, so that a row changed, removed or reordered
//! breaks every checksum after it. Reading scans rows in order and stops at the first row whose
//! sequence, checksum or decoding is wrong; what follows is reported, never replayed.
//!
//! Journals written before the chain (format 1) carry one FNV checksum per row and no request
//! fingerprint; they are read as such and chained when first opened for writing.

use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use super::Record;
use crate::engine::Transition;
use crate::time::Timestamp;

/// The chain value before the first record.
pub(super) const GENESIS: &str = "";

/// One row of `records`.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) seq: u64,
    at: i64,
    actor: String,
    command: String,
    reason: String,
    key: Option<String>,
    fingerprint: Option<String>,
    revision: u64,
    before: String,
    after: String,
}

impl Row {
    /// Writes the row with its chain value in `tx`.
    pub(super) fn insert(
        &self,
        tx: &rusqlite::Transaction<'_>,
        chain: &str,
    ) -> rusqlite::Result<usize> {
        tx.execute(
            "INSERT INTO records (seq, at, actor, command, reason, idempotency_key, fingerprint, revision, before, after, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![self.seq, self.at, self.actor, self.command, self.reason, self.key, self.fingerprint, self.revision, self.before, self.after, chain],
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
            fingerprint: t.fingerprint.clone(),
            revision: t.revision,
            before: t.before.to_string(),
            after: t.after.to_string(),
        }
    }

    fn fields(&self) -> String {
        format!(
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
        )
    }

    /// This row's chain value after `previous`.
    pub(super) fn chain(&self, previous: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(previous.as_bytes());
        hash.update(b"\x1e");
        hash.update(self.fields().as_bytes());
        hash.update(b"\x1f");
        hash.update(self.fingerprint.as_deref().unwrap_or("\u{0}").as_bytes());
        hex(&hash.finalize())
    }

    /// A format-1 row's own checksum.
    fn v1_checksum(&self) -> String {
        format!(
            "{:016x}",
            crate::assign::cutover_v1::fnv1a(self.fields().as_bytes())
        )
    }

    pub(super) fn decode(&self) -> Result<Record, String> {
        let command = serde_json::from_str(&self.command)
            .map_err(|e| format!("command does not decode: {e}"))?;
        let before = serde_json::from_str(&self.before)
            .map_err(|e| format!("`before` does not decode: {e}"))?;
        let after = serde_json::from_str(&self.after)
            .map_err(|e| format!("`after` does not decode: {e}"))?;
        Ok(Record {
            seq: self.seq,
            transition: Transition {
                revision: self.revision,
                at: Timestamp(self.at),
                actor: self.actor.clone(),
                command,
                reason: self.reason.clone(),
                idempotency_key: self.key.clone(),
                fingerprint: self.fingerprint.clone(),
                before,
                after,
            },
        })
    }
}

pub(super) use crate::hex::hex;

/// Rows with their stored checksum, for `clause` (`WHERE …`, `ORDER BY …`).
pub(super) fn query(
    conn: &Connection,
    format: u8,
    clause: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<(Row, String)>> {
    let fingerprint = if format >= 2 { "fingerprint" } else { "NULL" };
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, at, actor, command, reason, idempotency_key, {fingerprint}, revision, before, after, checksum FROM records {clause}"
    ))?;
    let rows = stmt.query_map(params, |r| {
        let row = Row {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            command: r.get(3)?,
            reason: r.get(4)?,
            key: r.get(5)?,
            fingerprint: r.get(6)?,
            revision: r.get(7)?,
            before: r.get(8)?,
            after: r.get(9)?,
        };
        Ok((row, r.get::<_, String>(10)?))
    })?;
    rows.collect()
}

/// The records of a scan up to the first bad row.
#[derive(Debug, Clone, Default)]
pub(super) struct Scan {
    /// Every good record, in order.
    pub(super) records: Vec<Record>,
    /// Their rows (to copy a verified prefix verbatim).
    pub(super) rows: Vec<Row>,
    /// The chain value of the last good record ([`GENESIS`] without one).
    pub(super) chain: String,
    /// The first bad record and what is wrong with it.
    pub(super) broken: Option<(u64, String)>,
    /// Rows after the last good one (the bad one included).
    pub(super) after_break: u64,
}

/// Checks `rows` (ordered by seq) from `seq` 1 and chain `GENESIS`.
pub(super) fn scan(rows: Vec<(Row, String)>, format: u8) -> Scan {
    let total = rows.len() as u64;
    let mut scan = Scan {
        chain: GENESIS.to_owned(),
        ..Scan::default()
    };
    for (n, (row, stored)) in rows.into_iter().enumerate() {
        let expected = n as u64 + 1;
        let chain = row.chain(&scan.chain);
        let problem = if row.seq != expected {
            Some(format!(
                "record {expected} is missing (found {} next)",
                row.seq
            ))
        } else if format >= 2 && stored != chain {
            Some("its checksum does not follow from the records before it".to_owned())
        } else if format < 2 && stored != row.v1_checksum() {
            Some("checksum mismatch".to_owned())
        } else if row.revision != row.seq {
            Some(format!("revision {} does not follow", row.revision))
        } else {
            None
        };
        match problem.map_or_else(|| row.decode(), Err) {
            Ok(record) => scan.records.push(record),
            Err(reason) => {
                scan.broken = Some((expected, reason));
                scan.after_break = total - n as u64;
                return scan;
            }
        }
        scan.rows.push(row);
        scan.chain = chain;
    }
    scan
}
