//! Loading a profile from TOML: syntax and type errors from the TOML parser and semantic
//! problems from `validate` all come back as one [`PlanError`] whose lines read
//! `file:line:col: field.path: what is wrong (hint)`. Every problem in one run: after a type
//! error or an unknown field the offending field is set aside and the rest read again, so a
//! file with five mistakes reports five (a missing required field ends the reading, as nothing
//! can stand in for it).

use std::fmt;
use std::path::Path;

use super::Plan;
use super::model::Profile;
use super::path::{FieldPath, Segment, SourceMap};
use super::validate::Problem;
use toml::de::{DeTable, DeValue};

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
    let profile = read_profile(&map, text).map_err(fail)?;
    Plan::from_profile(profile)
        .map_err(|problems| fail(problems.iter().map(|p| locate(&map, p)).collect()))
}

/// The most type problems reported from one file.
const MAX_TYPE_PROBLEMS: usize = 50;

/// Deserialises the profile, setting aside each field serde refuses and reading again, so that
/// every type error and unknown field is reported at once.
fn read_profile(map: &SourceMap<'_>, text: &str) -> Result<Profile, Vec<Located>> {
    use serde::Deserialize;
    let mut root = DeTable::parse(text).map_err(|e| vec![locate_toml_error(map, &e)])?;
    let mut problems = Vec::new();
    let mut set_aside_paths: Vec<FieldPath> = Vec::new();
    loop {
        match Profile::deserialize(toml::de::Deserializer::from(root.clone())) {
            Ok(profile) if problems.is_empty() => return Ok(profile),
            Ok(partial) => {
                // What was read is checked too, so a type error does not hide the rest.
                if let Err(more) = Plan::from_profile(partial) {
                    // A problem about a field set aside, or about the table that lost it, is
                    // a consequence of an error already said.
                    let set_aside = |p: &Problem| {
                        set_aside_paths.iter().any(|s| {
                            let parent = &s.segments()[..s.segments().len().saturating_sub(1)];
                            p.path.segments() == parent
                                || p.path.segments().starts_with(s.segments())
                        })
                    };
                    problems.extend(
                        more.iter()
                            .filter(|p| !set_aside(p))
                            .map(|p| locate(map, p)),
                    );
                }
                return Err(in_order(problems));
            }
            Err(e) => {
                let located = locate_toml_error(map, &e);
                let at = e.span().map_or(0, |s| s.start);
                let path = map.path_at(at);
                let missing = located.message.contains("missing field");
                // A required field set aside for its own error is missing now: said already.
                let consequence = missing
                    && located
                        .message
                        .split('`')
                        .nth(1)
                        .is_some_and(|field| set_aside_paths.contains(&path.key(field)));
                let repeated = problems.last() == Some(&located);
                if !repeated && !consequence {
                    problems.push(located);
                }
                if missing || repeated || problems.len() >= MAX_TYPE_PROBLEMS {
                    return Err(in_order(problems));
                }
                if !set_aside(root.get_mut(), path.segments()) {
                    return Err(in_order(problems));
                }
                set_aside_paths.push(path);
            }
        }
    }
}

fn in_order(mut problems: Vec<Located>) -> Vec<Located> {
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}

/// The warnings of a plan loaded from `text` (see `validate::warnings`), located in it.
#[must_use]
pub fn warnings(text: &str, plan: &Plan) -> Vec<Located> {
    let map = SourceMap::new(text);
    in_order(
        super::validate::warnings(plan)
            .iter()
            .map(|p| locate(&map, p))
            .collect(),
    )
}

/// Removes the field at `path` from the parsed document; `false` if there is none.
fn set_aside(table: &mut DeTable<'_>, path: &[Segment]) -> bool {
    match path {
        [Segment::Key(k)] => table.remove(k.as_str()).is_some(),
        [Segment::Key(k), rest @ ..] => match table.get_mut(k.as_str()).map(toml::Spanned::get_mut)
        {
            Some(value) => set_aside_in(value, rest),
            None => false,
        },
        [] | [Segment::Index(_), ..] => false,
    }
}

fn set_aside_in(value: &mut DeValue<'_>, path: &[Segment]) -> bool {
    match (value, path) {
        (DeValue::Table(t), _) => set_aside(t, path),
        // An element itself is not removed: later paths index the array as written.
        (DeValue::Array(a), [Segment::Index(i), rest @ ..]) if !rest.is_empty() => {
            match a.get_mut(*i) {
                Some(v) => set_aside_in(v.get_mut(), rest),
                None => false,
            }
        }
        _ => false,
    }
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
