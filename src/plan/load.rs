//! Loading a profile from TOML: syntax and type errors from the TOML parser and semantic
//! problems from `validate` all come back as one [`PlanError`] whose lines read
//! `file:line:col: field.path: what is wrong (hint)`.

use std::fmt;
use std::path::Path;

use super::Plan;
use super::model::Profile;
use super::path::{FieldPath, SourceMap};
use super::validate::Problem;

/// One located problem in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The field path.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
}

/// Why a profile could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// The file (or name) the profile came from.
    pub file: String,
    /// Every problem found, in order; empty when the file could not be read.
    pub problems: Vec<Located>,
    /// Set when the file could not be read at all.
    pub io: Option<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(io) = &self.io {
            return write!(f, "{}: cannot read: {io}", self.file);
        }
        for (n, p) in self.problems.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, p.line, p.column, p.path, p.message
            )?;
            if let Some(h) = &p.hint {
                write!(f, " ({h})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

/// Reads and loads a profile file.
pub fn load_file(path: &Path) -> Result<Plan, PlanError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| PlanError {
        file: name.clone(),
        problems: Vec::new(),
        io: Some(e.to_string()),
    })?;
    load_str(&name, &text)
}

/// Loads a profile from text; `file` names it in errors.
pub fn load_str(file: &str, text: &str) -> Result<Plan, PlanError> {
    let map = SourceMap::new(text);
    let fail = |problems| PlanError {
        file: file.to_owned(),
        problems,
        io: None,
    };
    let profile: Profile =
        toml::from_str(text).map_err(|e| fail(vec![locate_toml_error(&map, &e)]))?;
    Plan::from_profile(profile)
        .map_err(|problems| fail(problems.iter().map(|p| locate(&map, p)).collect()))
}

fn locate(map: &SourceMap<'_>, p: &Problem) -> Located {
    let (line, column) = map.line_col(map.span_of(&p.path).start);
    Located {
        line,
        column,
        path: p.path.to_string(),
        message: p.message.clone(),
        hint: p.hint.clone(),
    }
}

fn locate_toml_error(map: &SourceMap<'_>, e: &toml::de::Error) -> Located {
    let start = e.span().map_or(0, |s| s.start);
    let (line, column) = map.line_col(start);
    let path = map.path_at(start);
    let message = e.message().trim().replace('\n', " ");
    let hint = if message.contains("unknown field") {
        Some("check the spelling; docs/profile.md lists every field".to_owned())
    } else if message.contains("missing field") {
        Some("add it to this table".to_owned())
    } else {
        None
    };
    let path = if path == FieldPath::root() {
        "(document)".to_owned()
    } else {
        path.to_string()
    };
    Located {
        line,
        column,
        path,
        message,
        hint,
    }
}
