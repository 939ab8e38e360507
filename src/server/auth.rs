//! Who is calling: bearer tokens from a TOML tokens file, one `[[token]]` table per person
//! with a name, a role (viewer, operator, admin) and the secret. Tokens are compared in
//! constant time and never logged or echoed. Without a tokens file the server is *open*:
//! allowed only on a loopback address, where every caller is the local admin.

use std::path::Path;

use serde::Deserialize;

use crate::engine::{Actor, Role};

/// One person's token.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    name: String,
    role: String,
    token: String,
}

impl std::fmt::Debug for TokenEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TokenEntry {{ name: {:?}, role: {:?}, token: <redacted> }}",
            self.name, self.role
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    token: Vec<TokenEntry>,
}

/// How callers are identified.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No tokens file: loopback only, everyone is the local admin.
    Open,
    /// Bearer tokens.
    Tokens(Vec<(Actor, Vec<u8>)>),
}

/// Why a caller was not let in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token: send `Authorization: Bearer <token>`")]
    Missing,
    /// The token matches nobody.
    #[error("unknown token")]
    Unknown,
}

impl Auth {
    /// Loads a tokens file; every problem names the file and the entry.
    pub fn load(path: &Path) -> Result<Auth, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read tokens file: {e}", path.display()))?;
        let file: TokensFile =
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
        if file.token.is_empty() {
            return Err(format!("{}: no [[token]] entries", path.display()));
        }
        let mut out: Vec<(Actor, Vec<u8>)> = Vec::new();
        for (i, t) in file.token.iter().enumerate() {
            let role = match t.role.as_str() {
                "viewer" => Role::Viewer,
                "operator" => Role::Operator,
                "admin" => Role::Admin,
                other => {
                    return Err(format!(
                        "{}: token[{i}] ({}): role `{other}` is not viewer, operator or admin",
                        path.display(),
                        t.name
                    ));
                }
            };
            if t.name.trim().is_empty() {
                return Err(format!("{}: token[{i}]: empty name", path.display()));
            }
            if t.token.len() < 8 {
                return Err(format!(
                    "{}: token[{i}] ({}): a token needs at least 8 characters",
                    path.display(),
                    t.name
                ));
            }
            if out
                .iter()
                .any(|(a, secret)| a.name == t.name || secret == t.token.as_bytes())
            {
                return Err(format!(
                    "{}: token[{i}] ({}): duplicate name or token",
                    path.display(),
                    t.name
                ));
            }
            out.push((Actor::new(&t.name, role), t.token.as_bytes().to_vec()));
        }
        Ok(Auth::Tokens(out))
    }

    /// Whether the server needs tokens.
    #[must_use]
    pub fn is_open(&self) -> bool {
        matches!(self, Auth::Open)
    }

    /// The caller behind an `Authorization` header value.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Actor, AuthError> {
        let tokens = match self {
            Auth::Open => return Ok(Actor::new("local", Role::Admin)),
            Auth::Tokens(t) => t,
        };
        let presented = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AuthError::Missing)?;
        // Compare against every entry so that timing does not reveal which one matched.
        let mut found = None;
        for (actor, secret) in tokens {
            if constant_time_eq(secret, presented.as_bytes()) {
                found = Some(actor.clone());
            }
        }
        found.ok_or(AuthError::Unknown)
    }
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Result<Auth, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        std::fs::write(&path, text).unwrap();
        Auth::load(&path)
    }

    #[test]
    fn tokens_map_to_actors_with_roles() {
        let auth = tokens("[[token]]\nname = \"alice\"\nrole = \"operator\"\ntoken = \"s3cret-alice\"\n[[token]]\nname = \"vic\"\nrole = \"viewer\"\ntoken = \"s3cret-vic\"\n").unwrap();
        assert_eq!(
            auth.authenticate(Some("Bearer s3cret-alice")).unwrap(),
            Actor::new("alice", Role::Operator)
        );
        assert_eq!(
            auth.authenticate(Some("Bearer s3cret-vic")).unwrap().role,
            Role::Viewer
        );
        assert_eq!(
            auth.authenticate(Some("Bearer nope")),
            Err(AuthError::Unknown)
        );
        assert_eq!(auth.authenticate(None), Err(AuthError::Missing));
        assert_eq!(
            auth.authenticate(Some("s3cret-alice")),
            Err(AuthError::Missing)
        );
        assert!(
            !format!("{auth:?}").contains("s3cret"),
            "tokens must not appear in debug output"
        );
    }

    #[test]
    fn bad_tokens_files_say_what_is_wrong() {
        assert!(
            tokens("[[token]]\nname = \"a\"\nrole = \"root\"\ntoken = \"12345678\"\n")
                .unwrap_err()
                .contains("role `root` is not viewer, operator or admin")
        );
        assert!(
            tokens("[[token]]\nname = \"a\"\nrole = \"admin\"\ntoken = \"short\"\n")
                .unwrap_err()
                .contains("at least 8 characters")
        );
        assert!(tokens("").unwrap_err().contains("no [[token]] entries"));
        assert!(tokens("[[token]]\nname = \"a\"\nrole = \"admin\"\ntoken = \"12345678\"\n[[token]]\nname = \"b\"\nrole = \"admin\"\ntoken = \"12345678\"\n").unwrap_err().contains("duplicate"));
    }

    #[test]
    fn open_servers_treat_everyone_as_the_local_admin() {
        assert_eq!(
            Auth::Open.authenticate(None).unwrap(),
            Actor::new("local", Role::Admin)
        );
    }

    #[test]
    fn constant_time_comparison_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
