//! The committed test keys (see `keys/README.md`), loaded through tough's
//! own key source so the editor and the tests sign with the same material.

use std::path::{Path, PathBuf};

use tough::key_source::{KeySource, LocalKeySource};
use tough::schema::key::Key;
use tough::sign::Sign;

/// One signing key: where it lives, its TUF public key and keyid.
pub struct KeyPair {
    path: PathBuf,
    signer: Box<dyn Sign>,
    pub public: Key,
    /// Lower-case hex keyid as tough computes it (sha256 of the canonical
    /// public key).
    pub keyid: String,
}

impl KeyPair {
    async fn load(file: &str) -> KeyPair {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("keys")
            .join(file);
        let source = LocalKeySource { path: path.clone() };
        let signer = source
            .as_sign()
            .await
            .unwrap_or_else(|e| panic!("loading key {}: {e}", path.display()));
        let public = signer.tuf_key();
        let keyid = hex::encode(public.key_id().expect("keyid of a test key"));
        KeyPair {
            path,
            signer,
            public,
            keyid,
        }
    }

    /// A key source for tough's editor.
    pub fn source(&self) -> Box<dyn KeySource> {
        Box::new(LocalKeySource {
            path: self.path.clone(),
        })
    }

    /// Signs `message` (already canonical) with this key's scheme.
    pub async fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.signer
            .sign(message, &rng)
            .await
            .unwrap_or_else(|e| panic!("signing with {}: {e}", self.path.display()))
    }
}

/// Every key the tests use, one per role and one for root rotation.
pub struct Keys {
    pub root: KeyPair,
    pub root_next: KeyPair,
    pub timestamp: KeyPair,
    pub snapshot: KeyPair,
    pub targets: KeyPair,
    pub delegated: KeyPair,
}

impl Keys {
    pub async fn load() -> Keys {
        Keys {
            root: KeyPair::load("root.ed25519.pk8").await,
            root_next: KeyPair::load("root-next.ed25519.pk8").await,
            timestamp: KeyPair::load("timestamp.ed25519.pk8").await,
            snapshot: KeyPair::load("snapshot.p256.pk8").await,
            targets: KeyPair::load("targets.rsa.pem").await,
            delegated: KeyPair::load("delegated.p256.pk8").await,
        }
    }

    /// The key that signs the metadata file `name` (`timestamp.json`, ...).
    pub fn for_file(&self, name: &str) -> &KeyPair {
        match name {
            "timestamp.json" => &self.timestamp,
            "snapshot.json" => &self.snapshot,
            "targets.json" => &self.targets,
            "delegated.json" => &self.delegated,
            _ => panic!("no signing key for {name}"),
        }
    }
}
