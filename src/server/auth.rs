//! Who is calling: bearer tokens from a TOML tokens file, one `[[token]]` table per person
//! with a name, a role (viewer, operator, admin), the secret and the sign-offs its holder may
//! give. Tokens are compared in constant time and never logged or echoed. Without a tokens file
//! the server is *open*: allowed only on a loopback address, where every caller is the local
//! admin who may give every sign-off. [`SharedAuth`] holds the tokens in force so that a reload
//! (SIGHUP, or the file changing) replaces them whole, and streams learn of it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::Deserialize;
use tokio::sync::watch;

use crate::engine::{Actor, Role, Signoffs};

/// One person's token.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    name: String,
    role: String,
    token: String,
    #[serde(default)]
    signoffs: Vec<String>,
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
            if let Some(empty) = t.signoffs.iter().position(|s| s.trim().is_empty()) {
                return Err(format!(
                    "{}: token[{i}] ({}): signoffs[{empty}] is empty",
                    path.display(),
                    t.name
                ));
            }
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
            let actor = Actor::new(&t.name, role).with_signoffs(t.signoffs.clone());
            out.push((actor, t.token.as_bytes().to_vec()));
        }
        Ok(Auth::Tokens(out))
    }

    /// Whether the server needs tokens.
    #[must_use]
    pub fn is_open(&self) -> bool {
        matches!(self, Auth::Open)
    }

    /// The names of the tokens in force (none on an open server).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let tokens: &[(Actor, Vec<u8>)] = match self {
            Auth::Open => &[],
            Auth::Tokens(t) => t,
        };
        tokens.iter().map(|(a, _)| a.name.as_str())
    }

    /// Who may give the sign-off named `signoff`: the names of the tokens that list it
    /// (`local` on an open server).
    #[must_use]
    pub fn holders(&self, signoff: &str) -> Vec<String> {
        match self {
            Auth::Open => vec!["local".to_owned()],
            Auth::Tokens(t) => t
                .iter()
                .filter(|(a, _)| matches!(&a.signoffs, Signoffs::Listed(l) if l.iter().any(|s| s == signoff)))
                .map(|(a, _)| a.name.clone())
                .collect(),
        }
    }

    /// The caller behind an `Authorization` header value.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Actor, AuthError> {
        self.authenticate_token(header.and_then(bearer))
    }

    /// The caller presenting `token` (from `Authorization: Bearer`, or another header a
    /// protocol defines, such as OFREP's `X-API-Key`).
    pub fn authenticate_token(&self, token: Option<&str>) -> Result<Actor, AuthError> {
        let tokens = match self {
            Auth::Open => return Ok(Actor::new("local", Role::Admin)),
            Auth::Tokens(t) => t,
        };
        let presented = token.map(str::trim).ok_or(AuthError::Missing)?;
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

/// The tokens in force, replaced whole when the tokens file is reloaded.
#[derive(Debug)]
pub struct SharedAuth {
    current: RwLock<Arc<Auth>>,
    changed: watch::Sender<u64>,
    path: Option<PathBuf>,
}

impl SharedAuth {
    /// `auth`, loaded from `path` if it came from a file (then it can be reloaded).
    #[must_use]
    pub fn new(auth: Auth, path: Option<PathBuf>) -> SharedAuth {
        SharedAuth {
            current: RwLock::new(Arc::new(auth)),
            changed: watch::Sender::new(0),
            path,
        }
    }

    /// The tokens in force now.
    #[must_use]
    pub fn get(&self) -> Arc<Auth> {
        self.current.read().expect("auth lock").clone()
    }

    /// The tokens file, if the tokens came from one.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Puts new tokens in force and tells the streams.
    pub fn replace(&self, auth: Auth) {
        *self.current.write().expect("auth lock") = Arc::new(auth);
        self.changed.send_modify(|v| *v += 1);
    }

    /// Ticks at every replacement.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
/// The token of an `Authorization: Bearer T` header value (the scheme's name is
/// case-insensitive, RFC 9110).
#[must_use]
pub fn bearer(header: &str) -> Option<&str> {
    header
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("bearer "))
        .map(|_| &header[7..])
}

/// Whether `a` and `b` are equal, in a time that does not tell where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reloads the tokens file on SIGHUP and whenever its content changes (checked every second),
/// until `cancel`. A file that no longer loads is reported and the tokens in force are kept.
pub async fn keep_reloaded(shared: Arc<SharedAuth>, cancel: tokio_util::sync::CancellationToken) {
    let Some(path) = shared.path().map(Path::to_owned) else {
        return;
    };
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut seen = std::fs::read(&path).ok();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        let asked = tokio::select! {
            () = cancel.cancelled() => return,
            Some(()) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            _ = tick.tick() => false,
        };
        let now = std::fs::read(&path).ok();
        if !asked && now == seen {
            continue;
        }
        seen = now;
        match Auth::load(&path) {
            Ok(auth) => {
                let count = match &auth {
                    Auth::Tokens(t) => t.len(),
                    Auth::Open => 0,
                };
                shared.replace(auth);
                tracing::info!(tokens = count, file = %path.display(), "tokens reloaded");
                eprintln!(
                    "cutover serve: tokens reloaded from {} ({count})",
                    path.display()
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "tokens file not reloaded; the tokens in force are kept");
                eprintln!("cutover serve: {e} (not reloaded; the tokens in force are kept)");
            }
        }
    }
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
        let auth = tokens("[[token]]\nname = \"alice\"\nrole = \"operator\"\ntoken = \"s3cret-alice\"\n[[token]]\nname = \"vic\"\nrole = \"viewer\"\ntoken = \"s3cret-vic\"\nsignoffs = [\"cfo\"]\n").unwrap();
        assert_eq!(
            auth.authenticate(Some("Bearer s3cret-alice")).unwrap(),
            Actor::new("alice", Role::Operator).with_signoffs(vec![])
        );
        assert_eq!(auth.holders("cfo"), ["vic"]);
        assert!(auth.holders("risk").is_empty());
        assert_eq!(Auth::Open.holders("cfo"), ["local"]);
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
