//! Which config documents an edge believes: signed by the trusted key, of its rollout, and
//! never older than what it serves — an older revision is believed only under a new lineage
//! (a recovered or restored journal starts lower), and never under a lineage it has already
//! left behind, so a replayed document from before a recovery cannot take an edge back. No IO.

use std::collections::VecDeque;

use crate::server::apps::ConfigFeed;
use crate::signing::TrustedKey;
use crate::wire::SignedConfig;
use crate::wire::config::supersedes;

/// Lineages an edge remembers having left behind.
const RETIRED: usize = 64;

/// Why a document was not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// Not a signed config document at all.
    #[error("not a signed config document: {0}")]
    Malformed(String),
    /// The signature is not the trusted key's.
    #[error("the signature does not verify against the trusted key")]
    Signature,
    /// Another rollout's document.
    #[error("a document of rollout `{0}`")]
    OtherRollout(String),
    /// Older than what is served, in the same lineage.
    #[error("revision {revision} is older than revision {serving}, which is served")]
    Older {
        /// The document's revision.
        revision: u64,
        /// The revision served.
        serving: u64,
    },
    /// Of a lineage the edge has moved on from.
    #[error("lineage {0} was superseded by a newer one")]
    RetiredLineage(String),
}

impl Rejected {
    /// The reason's label in `/metrics`.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Rejected::Malformed(_) => "malformed",
            Rejected::Signature => "signature",
            Rejected::OtherRollout(_) => "rollout",
            Rejected::Older { .. } | Rejected::RetiredLineage(_) => "older",
        }
    }
}

/// What an edge has believed so far.
#[derive(Debug)]
pub struct Admission {
    trust: TrustedKey,
    rollout: String,
    serving: Option<(String, u64)>,
    retired: VecDeque<String>,
}

impl Admission {
    /// Believes documents of `rollout` signed by `trust`.
    #[must_use]
    pub fn new(trust: TrustedKey, rollout: String) -> Admission {
        Admission {
            trust,
            rollout,
            serving: None,
            retired: VecDeque::new(),
        }
    }

    /// The rollout followed.
    #[must_use]
    pub fn rollout(&self) -> &str {
        &self.rollout
    }

    /// Weighs a message: `Ok(Some(feed))` for a newer document to serve, `Ok(None)` for the
    /// one already served, or why it is not believed.
    pub fn weigh(&mut self, message: &[u8]) -> Result<Option<ConfigFeed>, Rejected> {
        let signed: SignedConfig =
            serde_json::from_slice(message).map_err(|e| Rejected::Malformed(e.to_string()))?;
        if !self
            .trust
            .verifies(signed.document.as_bytes(), &signed.signature)
        {
            return Err(Rejected::Signature);
        }
        let feed =
            ConfigFeed::parse(signed.document).map_err(|e| Rejected::Malformed(e.to_string()))?;
        let doc = &feed.doc;
        if doc.rollout != self.rollout {
            return Err(Rejected::OtherRollout(doc.rollout.clone()));
        }
        if self.retired.contains(&doc.lineage) {
            return Err(Rejected::RetiredLineage(doc.lineage.clone()));
        }
        if let Some((lineage, revision)) = &self.serving {
            if !supersedes((&doc.lineage, doc.revision), (lineage, *revision)) {
                return Err(Rejected::Older {
                    revision: doc.revision,
                    serving: *revision,
                });
            }
            if *lineage == doc.lineage && *revision == doc.revision {
                return Ok(None);
            }
            if *lineage != doc.lineage {
                if self.retired.len() == RETIRED {
                    self.retired.pop_front();
                }
                self.retired.push_back(lineage.clone());
            }
        }
        self.serving = Some((doc.lineage.clone(), doc.revision));
        Ok(Some(feed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::SigningKey;

    fn doc(rollout: &str, lineage: &str, revision: u64) -> String {
        serde_json::json!({
            "rollout": rollout, "revision": revision, "lineage": lineage, "salt": "s",
            "buckets": 10000, "status": "running", "cohorts": []
        })
        .to_string()
    }

    fn signed(key: &SigningKey, document: &str) -> Vec<u8> {
        serde_json::to_vec(&crate::server::fanout::sign(key, document)).unwrap()
    }

    fn keys() -> (tempfile::TempDir, SigningKey, TrustedKey) {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(dir.path()).unwrap();
        let trust = TrustedKey::parse(key.public()).unwrap();
        (dir, key, trust)
    }

    #[test]
    fn newer_revisions_are_believed_older_ones_never() {
        let (_dir, key, trust) = keys();
        let mut a = Admission::new(trust, "r".into());
        let rev = |a: &mut Admission, n| a.weigh(&signed(&key, &doc("r", "l1", n)));
        assert_eq!(rev(&mut a, 3).unwrap().unwrap().doc.revision, 3);
        assert!(rev(&mut a, 3).unwrap().is_none(), "the same revision again");
        assert_eq!(rev(&mut a, 5).unwrap().unwrap().doc.revision, 5);
        assert_eq!(
            rev(&mut a, 4).unwrap_err(),
            Rejected::Older {
                revision: 4,
                serving: 5
            }
        );
    }

    #[test]
    fn a_new_lineage_may_start_lower_but_an_old_one_never_returns() {
        let (_dir, key, trust) = keys();
        let mut a = Admission::new(trust, "r".into());
        a.weigh(&signed(&key, &doc("r", "old", 9))).unwrap();
        let recovered = a.weigh(&signed(&key, &doc("r", "new", 2))).unwrap();
        assert_eq!(recovered.unwrap().doc.revision, 2);
        assert_eq!(
            a.weigh(&signed(&key, &doc("r", "old", 10))).unwrap_err(),
            Rejected::RetiredLineage("old".into())
        );
    }

    #[test]
    fn forged_unsigned_and_foreign_documents_are_refused() {
        let (_dir, key, trust) = keys();
        let mut a = Admission::new(trust, "r".into());
        let (_other_dir, forger, _) = keys();
        assert_eq!(
            a.weigh(&signed(&forger, &doc("r", "l", 1))).unwrap_err(),
            Rejected::Signature
        );
        let mut tampered: SignedConfig =
            serde_json::from_slice(&signed(&key, &doc("r", "l", 1))).unwrap();
        tampered.document = tampered.document.replace("running", "killed");
        assert_eq!(
            a.weigh(&serde_json::to_vec(&tampered).unwrap())
                .unwrap_err(),
            Rejected::Signature
        );
        assert!(matches!(
            a.weigh(doc("r", "l", 1).as_bytes()).unwrap_err(),
            Rejected::Malformed(_)
        ));
        assert_eq!(
            a.weigh(&signed(&key, &doc("q", "l", 1))).unwrap_err(),
            Rejected::OtherRollout("q".into())
        );
    }
}
