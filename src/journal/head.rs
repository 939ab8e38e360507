//! The journal's head: a small file beside `journal.db` that says how far the journal went —
//! the last record's seq, its chain value, when, and the lineage — written and synced after
//! every commit. It is independent of SQLite, so an emptied database, a truncated or damaged
//! WAL, or rows lost any other way show as a journal shorter than its head says, and are
//! refused instead of silently replayed as a shorter history.
//!
//! The head may lag the database by the one commit being written when the process died, never
//! lead it. It is overwritten in place, padded to a fixed 512 bytes (one sector).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The head file's name in the data directory.
pub const HEAD_FILE: &str = "journal.head";
const SIZE: usize = 512;

/// How far the journal went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The rollout the journal records.
    pub rollout: String,
    /// The journal's lineage (new at every recovery or restore).
    pub lineage: String,
    /// The last record's seq (0 for none).
    pub seq: u64,
    /// Its chain value.
    pub chain: String,
    /// When it was written (ms since the epoch; 0 for none).
    pub at: i64,
    /// The rollout's assignment algorithm (also in the database's meta; kept here too so a
    /// recovery from a damaged database still knows it). Absent in heads written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<String>,
}

/// Reads the head in `dir`: `None` if there is none, an error if it cannot be read.
pub fn read(dir: &Path) -> Result<Option<Head>, String> {
    let path = dir.join(HEAD_FILE);
    match std::fs::read(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            serde_json::from_str(text.trim_end_matches(['\n', ' ', '\0']))
                .map(Some)
                .map_err(|e| format!("{} does not decode: {e}", path.display()))
        }
    }
}

/// The head file, open for writing.
pub struct HeadFile {
    file: File,
}

impl HeadFile {
    /// Opens (or creates) the head file in `dir`.
    pub fn open(dir: &Path) -> io::Result<HeadFile> {
        let path = dir.join(HEAD_FILE);
        let new = !path.exists();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        if new {
            // The file's name must be as durable as its content.
            File::open(dir)?.sync_all()?;
        }
        Ok(HeadFile { file })
    }

    /// Writes `head` and syncs it.
    pub fn write(&mut self, head: &Head) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(head).map_err(io::Error::other)?;
        if bytes.len() >= SIZE {
            return Err(io::Error::other("journal head over 512 bytes"));
        }
        bytes.resize(SIZE - 1, b' ');
        bytes.push(b'\n');
        self.file.write_all_at(&bytes, 0)?;
        self.file.sync_data()
    }
}
