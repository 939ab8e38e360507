//! `cutover journal export`: the journal as JSON lines (one record per line) or CSV with a
//! header row, times in RFC 3339, before/after as compact JSON.

use std::io::{self, Write};

use super::Record;

/// Writes one JSON object per record.
pub fn jsonl(records: &[Record], mut out: impl Write) -> io::Result<()> {
    for r in records {
        let mut value = serde_json::to_value(r).map_err(io::Error::other)?;
        value["time"] = serde_json::Value::String(r.transition.at.to_rfc3339());
        serde_json::to_writer(&mut out, &value).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Writes a CSV file with a header row.
pub fn csv(records: &[Record], mut out: impl Write) -> io::Result<()> {
    writeln!(
        out,
        "seq,time,actor,action,reason,revision,idempotency_key,before,after"
    )?;
    for r in records {
        let t = &r.transition;
        let action = serde_json::to_string(&t.command).map_err(io::Error::other)?;
        let fields = [
            r.seq.to_string(),
            t.at.to_rfc3339(),
            t.actor.clone(),
            action,
            t.reason.clone(),
            t.revision.to_string(),
            t.idempotency_key.clone().unwrap_or_default(),
            t.before.to_string(),
            t.after.to_string(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    out.flush()
}

/// RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(super::quote("plain"), "plain");
        assert_eq!(super::quote("a,b"), "\"a,b\"");
        assert_eq!(super::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
