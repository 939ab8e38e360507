//! Field paths (`phases[2].steps[0].set[1].target`) and their place in the source text.
//! Semantic checks speak in field paths; [`SourceMap`] turns a path into line and column by
//! walking the spanned TOML document, and turns a byte offset back into the path around it.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Where a field is, from the document root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The document root.
    #[must_use]
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path with a key appended.
    #[must_use]
    pub fn key(&self, key: &str) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_owned()));
        p
    }

    /// This path with an array index appended.
    #[must_use]
    pub fn index(&self, i: usize) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }

    /// The path's segments.
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if k.contains(['.', ' ', '"']) || k.is_empty() => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{k:?}")?;
                }
                Segment::Key(k) => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        if self.0.is_empty() {
            f.write_str("(document)")?;
        }
        Ok(())
    }
}

/// The source text of a profile with its spanned parse, for locating fields.
pub struct SourceMap<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl<'a> SourceMap<'a> {
    /// Parses `text` for spans; a document that does not parse locates nothing but offsets.
    #[must_use]
    pub fn new(text: &'a str) -> SourceMap<'a> {
        SourceMap {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// 1-based line and column of a byte offset.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// The span of the value at `path`, or of the nearest ancestor that exists.
    #[must_use]
    pub fn span_of(&self, path: &FieldPath) -> Range<usize> {
        let Some(root) = &self.root else { return 0..0 };
        let mut span = root.span();
        let mut table = Some(root.get_ref());
        let mut value: Option<&DeValue<'_>> = None;
        for seg in path.segments() {
            let next = match (seg, table, value) {
                (Segment::Key(k), Some(t), _) => t.get(k.as_str()),
                (Segment::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            };
            let Some(next) = next else { break };
            span = next.span();
            value = Some(next.get_ref());
            table = match next.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            };
        }
        span
    }

    /// The path of the innermost field whose key or value covers `offset`.
    #[must_use]
    pub fn path_at(&self, offset: usize) -> FieldPath {
        let Some(root) = &self.root else {
            return FieldPath::root();
        };
        find_table(root.get_ref(), offset, &FieldPath::root()).unwrap_or_default()
    }
}

// Containers are searched whatever their own span: an array of tables spans only its header.
fn find_table(table: &DeTable<'_>, offset: usize, path: &FieldPath) -> Option<FieldPath> {
    table.iter().find_map(|(k, v)| {
        let here = path.key(k.get_ref());
        find_value(v, offset, &here)
            .or_else(|| (k.span().contains(&offset) || v.span().contains(&offset)).then_some(here))
    })
}

fn find_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &FieldPath) -> Option<FieldPath> {
    match value.get_ref() {
        DeValue::Table(t) => find_table(t, offset, path),
        DeValue::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            let here = path.index(i);
            find_value(v, offset, &here).or_else(|| v.span().contains(&offset).then_some(here))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[rollout]\nid = \"x\"\n\n[[phases]]\nid = \"a\"\n[[phases.steps]]\nid = \"s1\"\nset = [{ target = \"*\", mode = \"shadow\" }]\n";

    #[test]
    fn paths_resolve_to_line_and_column() {
        let map = SourceMap::new(DOC);
        let path = FieldPath::root()
            .key("phases")
            .index(0)
            .key("steps")
            .index(0)
            .key("set")
            .index(0)
            .key("mode");
        assert_eq!(path.to_string(), "phases[0].steps[0].set[0].mode");
        let span = map.span_of(&path);
        assert_eq!(&DOC[span.clone()], "\"shadow\"");
        assert_eq!(map.line_col(span.start), (8, 31));
    }

    #[test]
    fn offsets_resolve_to_paths() {
        let map = SourceMap::new(DOC);
        let offset = DOC.find("\"shadow\"").unwrap();
        assert_eq!(
            map.path_at(offset).to_string(),
            "phases[0].steps[0].set[0].mode"
        );
    }

    #[test]
    fn missing_fields_fall_back_to_their_table() {
        let map = SourceMap::new(DOC);
        let span = map.span_of(&FieldPath::root().key("rollout").key("name"));
        assert_eq!(map.line_col(span.start).0, 1);
    }
}
