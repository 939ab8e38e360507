//! Config documents signed by the control plane (Ed25519), so that whoever can publish on the
//! fan-out cannot steer the apps: relays serve only documents that verify against the control
//! plane's public key. The key pair is made at the first start and kept in the data directory
//! (`config-signing.key`, readable by its owner only); the public half is written beside it as
//! `config-signing.pub` for the relays' `--trust`.

use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

/// The private key's file in the data directory.
pub const KEY_FILE: &str = "config-signing.key";
/// The public key's file in the data directory.
pub const PUBLIC_FILE: &str = "config-signing.pub";

/// The control plane's signing key.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    public: String,
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

impl SigningKey {
    /// The key in `dir`, made (and its public half written) if there is none.
    pub fn load_or_create(dir: &Path) -> Result<SigningKey, String> {
        let path = dir.join(KEY_FILE);
        let pkcs8 = if path.exists() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            unhex(&text)
                .ok_or_else(|| format!("{}: not a key written by cutover", path.display()))?
        } else {
            let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| "the system's random source failed".to_owned())?;
            write_private(&path, &crate::hex::hex(doc.as_ref()))?;
            doc.as_ref().to_vec()
        };
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|e| format!("{}: not an Ed25519 key: {e}", path.display()))?;
        let public = crate::hex::hex(pair.public_key().as_ref());
        let public_path = dir.join(PUBLIC_FILE);
        let written = std::fs::read_to_string(&public_path).ok();
        if written.as_deref().map(str::trim) != Some(public.as_str()) {
            std::fs::write(&public_path, format!("{public}\n"))
                .map_err(|e| format!("{}: {e}", public_path.display()))?;
        }
        Ok(SigningKey { pair, public })
    }

    /// The signature of `message`, in hex.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> String {
        crate::hex::hex(self.pair.sign(message).as_ref())
    }

    /// The public key, in hex (as in `config-signing.pub`).
    #[must_use]
    pub fn public(&self) -> &str {
        &self.public
    }
}

#[cfg(unix)]
fn write_private(path: &PathBuf, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(not(unix))]
fn write_private(path: &PathBuf, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A public key a relay trusts.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    public: Vec<u8>,
}

impl TrustedKey {
    /// Reads a `config-signing.pub` file.
    pub fn load(path: &Path) -> Result<TrustedKey, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        TrustedKey::parse(&text).ok_or_else(|| {
            format!(
                "{}: not a cutover public key (64 hex digits, as in config-signing.pub)",
                path.display()
            )
        })
    }

    /// A key from its hex form.
    #[must_use]
    pub fn parse(text: &str) -> Option<TrustedKey> {
        unhex(text)
            .filter(|k| k.len() == 32)
            .map(|public| TrustedKey { public })
    }

    /// Whether `signature` (hex) is this key's signature of `message`.
    #[must_use]
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        unhex(signature).is_some_and(|sig| {
            UnparsedPublicKey::new(&ED25519, &self.public)
                .verify(message, &sig)
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_signs_what_its_public_half_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(dir.path()).unwrap();
        let again = SigningKey::load_or_create(dir.path()).unwrap();
        assert_eq!(key.public(), again.public(), "kept, not remade");
        let trusted = TrustedKey::load(&dir.path().join(PUBLIC_FILE)).unwrap();
        let sig = key.sign(b"revision 7");
        assert!(trusted.verifies(b"revision 7", &sig));
        assert!(!trusted.verifies(b"revision 8", &sig), "another message");
        let other = SigningKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(
            !trusted.verifies(b"revision 7", &other.sign(b"revision 7")),
            "another key"
        );
        assert!(!trusted.verifies(b"revision 7", "zz"), "not hex");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "owner only");
        }
    }
}
