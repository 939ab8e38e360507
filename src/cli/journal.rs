//! `cutover journal`: export (salvaging what can be read from a damaged journal), verify,
//! backup and restore — each a thin shell over `crate::journal` that says what it did.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use color_eyre::eyre::{Result, WrapErr};

use crate::clock::Clock;
use crate::journal;

/// `journal export` formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

/// `cutover journal export`.
pub fn export(data: &Path, format: Format) -> Result<ExitCode> {
    let salvage = journal::salvage(data)
        .wrap_err_with(|| format!("reading the journal in {}", data.display()))?;
    if !salvage.report.intact() {
        eprintln!(
            "warning: {}\nwarning: exporting the {} record(s) that can still be read; records after the damage cannot be proved genuine",
            salvage.report,
            salvage.records.len()
        );
        for (seq, why) in &salvage.skipped {
            eprintln!("warning: record {seq} left out: {why}");
        }
    }
    let stdout = std::io::stdout().lock();
    let written = match format {
        Format::Jsonl => journal::export::jsonl(&salvage.records, stdout),
        Format::Csv => journal::export::csv(&salvage.records, stdout),
    };
    match written {
        // `export | head` closes the pipe early: that is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(if salvage.report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `cutover journal verify`.
pub fn verify(data: &Path) -> ExitCode {
    let files = [journal::FILE_NAME, journal::HEAD_FILE];
    if !files.iter().any(|f| data.join(f).exists()) {
        eprintln!(
            "error: no journal in {} (expected {}): check --data",
            data.display(),
            journal::FILE_NAME
        );
        return ExitCode::FAILURE;
    }
    let report = journal::verify(data);
    if report.intact() {
        println!("{report}");
        ExitCode::SUCCESS
    } else {
        eprintln!("{report}");
        ExitCode::FAILURE
    }
}

/// `cutover journal backup`.
pub fn backup(data: &Path, to: &Path) -> Result<ExitCode> {
    let records = journal::backup(data, to)
        .wrap_err_with(|| format!("backing up the journal in {}", data.display()))?;
    println!(
        "backed up {records} record(s) of {} to {}",
        data.display(),
        to.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `cutover journal restore`.
pub fn restore(from: &Path, data: &Path) -> Result<ExitCode> {
    let (records, lineage, aside) = journal::restore(from, data, Clock::wall().now())
        .wrap_err_with(|| format!("restoring {} into {}", from.display(), data.display()))?;
    println!(
        "restored {records} record(s) from {} into {}; new lineage {lineage}",
        from.display(),
        data.display()
    );
    if let Some(aside) = aside {
        println!(
            "the journal it replaced, with any records after the backup, is in {}",
            aside.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
