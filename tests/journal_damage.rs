//! Damaged journals are never silently shorter: an emptied database beside its WAL, a WAL with
//! bytes overwritten or cut in half, a garbled record in the checkpointed file and a missing
//! head are each refused with a report that names the last good record and what is missing —
//! and the refusal changes no byte of any journal file. `recover` keeps the verified prefix
//! under a new lineage with the damaged files moved aside; `salvage` (and `journal export`)
//! read what can be read; `backup` while the journal is open and `restore` give a new lineage;
//! a journal written before the chain opens and is chained.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::t0;
use cutover::engine::{Command as Cmd, Transition};
use cutover::journal::{self, Journal, JournalError, Problem};
use cutover::plan::Plan;
use cutover::time::Period;

/// `n` transitions of pause / resume with idempotency keys.
fn transitions(plan: &Plan, n: usize) -> Vec<Transition> {
    common::pause_resume_transitions(plan, n).0
}

/// The files of a journal of `n` records as `kill -9` leaves them: copied while the journal
/// is open, so the records are still in the WAL.
fn crashed(n: usize) -> (tempfile::TempDir, Plan) {
    let plan = common::profile("minimal");
    let live = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    let mut opened = Journal::open(live.path(), &plan, t0()).unwrap();
    for t in transitions(&plan, n) {
        opened.journal.append(std::slice::from_ref(&t)).unwrap();
    }
    for name in ["journal.db", "journal.db-wal", "journal.head"] {
        std::fs::copy(live.path().join(name), copy.path().join(name)).unwrap();
    }
    (copy, plan)
}

/// Every journal file's length and hash, to show a refusal changed none.
fn files(dir: &Path) -> Vec<(String, usize, String)> {
    use sha2::Digest;
    ["journal.db", "journal.db-wal", "journal.head"]
        .into_iter()
        .filter_map(|n| {
            let bytes = std::fs::read(dir.join(n)).ok()?;
            let hash = format!("{:x}", sha2::Sha256::digest(&bytes));
            Some((n.to_owned(), bytes.len(), hash))
        })
        .collect()
}

fn refused(dir: &Path, plan: &Plan) -> journal::Report {
    let before = files(dir);
    let err = Journal::open(dir, plan, t0()).err().expect("refused");
    assert_eq!(files(dir), before, "a refused open changed a journal file");
    match err {
        JournalError::Damaged(report) => *report,
        other => panic!("expected a damage report, got {other}"),
    }
}

fn overwrite(path: &Path, at: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(bytes, at).unwrap();
}

#[test]
fn an_emptied_database_beside_its_wal_is_refused_and_nothing_changes() {
    let (dir, plan) = crashed(20);
    std::fs::File::create(dir.path().join("journal.db")).unwrap();
    let report = refused(dir.path(), &plan);
    assert_eq!(report.problem, Some(Problem::MissingTail));
    let text = report.to_string();
    assert!(
        text.contains("holds 0 readable record(s) but its head says 20 were written"),
        "{text}"
    );
    assert!(
        text.contains("20 record(s) cannot be read (1-20)"),
        "{text}"
    );
    assert!(text.contains("Nothing was changed"), "{text}");
}

#[test]
fn a_wal_overwritten_in_the_middle_is_refused_then_recovered_under_a_new_lineage() {
    let (dir, plan) = crashed(40);
    let wal = dir.path().join("journal.db-wal");
    let len = std::fs::metadata(&wal).unwrap().len();
    overwrite(&wal, len / 2, b"\xde\xad\xbe\xef\xde\xad\xbe\xef");
    let report = refused(dir.path(), &plan);
    let kept = report.records().len() as u64;
    assert!((1..40).contains(&kept), "kept {kept}");
    assert_eq!(report.lost(), 40 - kept);
    let text = report.to_string();
    assert!(
        text.contains(&format!("Last good record {kept} at ")),
        "{text}"
    );
    let old_lineage = report.head.clone().unwrap().lineage;

    let recovery = journal::recover(dir.path(), t0().plus(Period::hours(1)))
        .unwrap()
        .expect("something to recover");
    assert_eq!((recovery.kept, recovery.lost), (kept, 40 - kept));
    assert_ne!(recovery.lineage, old_lineage);
    for name in ["journal.db", "journal.db-wal", "journal.head"] {
        assert!(recovery.aside.join(name).exists(), "{name} moved aside");
    }
    let opened = Journal::open(dir.path(), &plan, t0()).unwrap();
    assert_eq!(opened.journal.lineage(), recovery.lineage);
    assert_eq!(
        opened.journal.assignment(),
        plan.assignment(),
        "the recovered journal keeps the algorithm"
    );
    assert_eq!(opened.records.len() as u64, kept + 1);
    let last = &opened.records.last().unwrap().transition;
    assert_eq!(
        last.command,
        Cmd::Recovered {
            lost_from: kept + 1,
            lost_to: Some(40),
            lineage: recovery.lineage.clone(),
            aside: recovery.aside.display().to_string(),
        }
    );
    assert_eq!(opened.rollout.revision, kept + 1);
    // Intact now, and nothing more to recover.
    drop(opened);
    assert!(journal::verify(dir.path()).intact());
    assert!(journal::recover(dir.path(), t0()).unwrap().is_none());
}

#[test]
fn a_wal_cut_in_half_is_refused() {
    let (dir, plan) = crashed(30);
    let wal = dir.path().join("journal.db-wal");
    let len = std::fs::metadata(&wal).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&wal)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let report = refused(dir.path(), &plan);
    assert_eq!(report.problem, Some(Problem::MissingTail));
    assert!(report.records().len() < 30);
}

#[test]
fn a_garbled_record_is_refused_salvaged_and_reported_by_the_cli() {
    let plan = common::profile("minimal");
    let dir = tempfile::tempdir().unwrap();
    let mut opened = Journal::open(dir.path(), &plan, t0()).unwrap();
    opened.journal.append(&transitions(&plan, 5)).unwrap();
    drop(opened);
    let conn = rusqlite::Connection::open(dir.path().join("journal.db")).unwrap();
    conn.execute("UPDATE records SET reason = 'tampered' WHERE seq = 3", [])
        .unwrap();
    drop(conn);
    let report = refused(dir.path(), &plan);
    assert!(matches!(
        report.problem,
        Some(Problem::Broken { seq: 3, .. })
    ));
    assert!(
        report.to_string().contains(
            "record 3 is damaged: its checksum does not follow from the records before it"
        ),
        "{report}"
    );
    // Salvage reads past the break: the rows still decode, with the report beside them.
    let salvage = journal::salvage(dir.path()).unwrap();
    assert_eq!(salvage.records.len(), 5);
    assert!(!salvage.report.intact());

    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .arg("--data")
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let verify = cli(&["journal", "verify"]);
    assert_eq!(verify.status.code(), Some(1));
    let said = String::from_utf8_lossy(&verify.stderr);
    assert!(
        said.contains("record 3 is damaged") && said.contains("Last good record 2"),
        "{said}"
    );
    let export = cli(&["journal", "export"]);
    assert_eq!(export.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&export.stdout).lines().count(), 5);
    assert!(String::from_utf8_lossy(&export.stderr).contains("exporting the 5 record(s)"));
}

#[test]
fn records_without_their_head_are_refused() {
    let (dir, plan) = crashed(3);
    std::fs::remove_file(dir.path().join("journal.head")).unwrap();
    let report = refused(dir.path(), &plan);
    assert_eq!(report.problem, Some(Problem::NoHead));
}

#[test]
fn a_backup_taken_while_open_restores_under_a_new_lineage() {
    let plan = common::profile("minimal");
    let dir = tempfile::tempdir().unwrap();
    let mut opened = Journal::open(dir.path(), &plan, t0()).unwrap();
    opened.journal.append(&transitions(&plan, 7)).unwrap();
    let first_lineage = opened.journal.lineage().to_owned();
    let backup = dir.path().join("backup.db");
    assert_eq!(journal::backup(dir.path(), &backup).unwrap(), 7);
    assert!(
        journal::backup(dir.path(), &backup).is_err(),
        "never overwrites"
    );
    // A server holding the journal blocks a restore.
    let restored_dir: PathBuf = dir.path().to_owned();
    let err = journal::restore(&backup, &restored_dir, t0())
        .err()
        .unwrap();
    assert!(matches!(err, JournalError::Locked(_)), "{err}");
    opened.journal.append(&transitions(&plan, 9)[7..]).unwrap();
    drop(opened);

    let (records, lineage, _) = journal::restore(&backup, dir.path(), t0()).unwrap();
    assert_eq!(records, 7);
    assert_ne!(lineage, first_lineage);
    let reopened = Journal::open(dir.path(), &plan, t0()).unwrap();
    assert_eq!(reopened.records.len(), 8);
    assert!(matches!(
        reopened.records[7].transition.command,
        Cmd::Restored { .. }
    ));
    assert_eq!(reopened.journal.lineage(), lineage);
    let replaced = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("replaced-"));
    assert!(replaced, "the journal it replaced was moved aside");
}

#[test]
fn a_journal_from_before_the_chain_opens_and_is_chained() {
    let plan = common::profile("minimal");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join("tests/fixtures/journal-v1/journal.db"),
        dir.path().join("journal.db"),
    )
    .unwrap();
    let opened = Journal::open(dir.path(), &plan, t0()).unwrap();
    assert_eq!(opened.records.len(), 3);
    assert_eq!(opened.rollout.revision_for_key("k-pause"), Some(1));
    assert_eq!(
        opened.journal.assignment(),
        cutover::assign::Algorithm::CutoverV1,
        "a rollout journaled before the algorithms were recorded keeps the hash it started with"
    );
    drop(opened);
    let report = journal::verify(dir.path());
    assert!(report.intact(), "{report}");
    assert!(report.head.is_some());
    assert!(
        report.to_string().contains("intact, 3 record(s)"),
        "{report}"
    );
}

#[test]
fn a_damaged_page_of_the_checkpointed_file_is_refused_and_the_rest_salvaged() {
    let plan = common::profile("minimal");
    let dir = tempfile::tempdir().unwrap();
    let mut opened = Journal::open(dir.path(), &plan, t0()).unwrap();
    for t in transitions(&plan, 400) {
        opened.journal.append(std::slice::from_ref(&t)).unwrap();
    }
    drop(opened); // checkpointed: every record is in journal.db now
    let db = dir.path().join("journal.db");
    let pages = std::fs::metadata(&db).unwrap().len() / 4096;
    assert!(pages > 8, "{pages} pages");
    overwrite(&db, (pages / 2) * 4096, &[0x5a; 4096]);
    let report = refused(dir.path(), &plan);
    assert!(!report.intact());
    let text = report.to_string();
    assert!(
        text.contains("is damaged") && text.contains("Nothing was changed"),
        "{text}"
    );
    let salvage = journal::salvage(dir.path()).unwrap();
    assert!(
        salvage.records.len() >= 100 && salvage.records.len() < 400,
        "salvaged {}",
        salvage.records.len()
    );
    // What can be read comes back in order, each record the one written.
    let written = transitions(&plan, 400);
    for r in &salvage.records {
        assert_eq!(r.transition.revision, r.seq);
        assert_eq!(
            r.transition.reason,
            written[usize::try_from(r.seq).unwrap() - 1].reason
        );
    }
}

#[test]
fn export_and_backup_leave_an_emptied_database_and_its_wal_alone() {
    let (dir, plan) = crashed(6);
    std::fs::File::create(dir.path().join("journal.db")).unwrap();
    let before = files(dir.path());
    let salvage = journal::salvage(dir.path()).unwrap();
    assert!(salvage.records.is_empty() && !salvage.report.intact());
    let err = journal::backup(dir.path(), &dir.path().join("b.db"))
        .err()
        .unwrap();
    assert!(matches!(err, JournalError::Damaged(_)), "{err}");
    assert_eq!(
        files(dir.path()),
        before,
        "the WAL, which holds every record, is kept"
    );
    // Recovery then starts paused: a lost record may have been a kill.
    let recovery = journal::recover(dir.path(), t0()).unwrap().unwrap();
    assert!(recovery.aside.join("journal.db-wal").exists());
    let opened = Journal::open(dir.path(), &plan, t0()).unwrap();
    assert_eq!(opened.rollout.status, cutover::engine::Status::Paused);
}

#[test]
fn verify_without_a_journal_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["journal", "verify", "--data"])
        .arg(dir.path().join("typo"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal in"));
}
