//! The key that seals secrets at rest (app secrets, merchant keys, access tokens) with
//! AES-256-GCM, so that a copy of the database alone reveals none of them.
//!
//! The key is never in the database: it is the configured `encryption_key` (64 hex
//! characters) or, when that is empty, the file `<db_path>.key`, generated once from the
//! operating system's random source. A sealed value reads `enc1:` + base64 of
//! nonce ‖ ciphertext ‖ tag, with the column's name as associated data, so a value moved to
//! another column no longer opens.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{ApiError, ApiResult};

/// The prefix of every sealed value; a new format gets a new number.
pub const SEALED: &str = "enc1:";

/// What the operator reads when a sealed value does not open.
pub const WRONG_KEY: &str = "encryption_key does not match this database";

const KEY_LEN: usize = 32;

/// A column that holds sealed values; its name is the associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub table: &'static str,
    pub name: &'static str,
}

impl Column {
    fn label(&self) -> String {
        format!("{}.{}", self.table, self.name)
    }
}

pub const MP_SECRET: Column = Column {
    table: "zl_company",
    name: "mp_secret",
};
pub const WORK_SECRET: Column = Column {
    table: "zl_company",
    name: "work_secret",
};
pub const PAY_KEY: Column = Column {
    table: "zl_shop_setting",
    name: "shangHuMiYao",
};
/// The first-run setup token: whoever holds it may create the first administrator.
pub const SETUP_TOKEN: Column = Column {
    table: "setup_token",
    name: "token",
};
/// A shop's WeChat Pay API v3 key (32 bytes).
pub const PAY_APIV3_KEY: Column = Column {
    table: "zl_shop_setting",
    name: "apiv3_key",
};
/// A shop's WeChat Pay API private key (PEM): signs its v3 requests and pay parameters.
pub const PAY_PRIVATE_KEY: Column = Column {
    table: "zl_shop_setting",
    name: "private_key",
};
/// The private key of a shop's v2 client certificate (PEM): authenticates v2 refunds.
pub const PAY_CERT_KEY: Column = Column {
    table: "zl_shop_setting",
    name: "cert_key",
};
/// Cached WeChat access tokens: short-lived, but as good as the secret while they live.
pub const ACCESS_TOKEN: Column = Column {
    table: "wechat_token",
    name: "token",
};

/// The database's key, loaded once; cheap to clone.
#[derive(Clone)]
pub struct Secrets {
    inner: Arc<Keys>,
}

struct Keys {
    seal: LessSafeKey,
    fingerprint: hmac::Key,
    /// Where the key came from, for the operator's messages.
    source: String,
}

impl Secrets {
    /// The configured key, else the key file beside the database (created when missing).
    pub fn load(db_path: &Path, configured: &str) -> Result<Secrets, String> {
        match Secrets::load_existing(db_path, configured)? {
            Some(secrets) => Ok(secrets),
            None => create_key_file(&key_path(db_path)),
        }
    }

    /// As `load`, but `None` instead of creating a key file (for `leida restore`).
    pub fn load_existing(db_path: &Path, configured: &str) -> Result<Option<Secrets>, String> {
        if !configured.is_empty() {
            return Secrets::from_hex(configured, "配置项 encryption_key")
                .map(Some)
                .map_err(|why| format!("配置项 encryption_key {why}"));
        }
        read_key_file(&key_path(db_path))
    }

    /// A key written as 64 hex characters; `source` says where it came from.
    pub fn from_hex(hex: &str, source: &str) -> Result<Secrets, String> {
        let bytes = decode_hex(hex).ok_or("须是 64 个十六进制字符 (32 字节)")?;
        Secrets::from_bytes(&bytes, source)
    }

    fn from_bytes(key: &[u8; KEY_LEN], source: &str) -> Result<Secrets, String> {
        let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| "不是 AES-256 密钥")?;
        // A key of its own for fingerprints, so the sealing key is used for nothing else.
        let derive = hmac::Key::new(hmac::HMAC_SHA256, key);
        let sub = hmac::sign(&derive, b"leida fingerprint key");
        Ok(Secrets {
            inner: Arc::new(Keys {
                seal: LessSafeKey::new(unbound),
                fingerprint: hmac::Key::new(hmac::HMAC_SHA256, sub.as_ref()),
                source: source.to_string(),
            }),
        })
    }

    /// Where the key came from: the configuration, or which key file.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// `plain` sealed for `column`; an empty value stays empty ("not set").
    pub fn seal(&self, column: Column, plain: &str) -> ApiResult<String> {
        if plain.is_empty() {
            return Ok(String::new());
        }
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| ApiError::internal("the system random source failed"))?;
        let mut sealed = plain.as_bytes().to_vec();
        self.inner
            .seal
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(column.label()),
                &mut sealed,
            )
            .map_err(|_| ApiError::internal("sealing a secret failed"))?;
        let mut framed = nonce.to_vec();
        framed.extend_from_slice(&sealed);
        Ok(format!("{SEALED}{}", STANDARD.encode(framed)))
    }

    /// The plain value of a sealed `stored` value of `column` ("" stays ""). Anything else,
    /// a plain value included, is an error: it is never used as it is.
    pub fn open(&self, column: Column, stored: &str) -> ApiResult<String> {
        if stored.is_empty() {
            return Ok(String::new());
        }
        self.try_open(column, stored).ok_or_else(|| {
            ApiError::internal(format!("{WRONG_KEY}: {} does not open", column.label()))
        })
    }

    fn try_open(&self, column: Column, stored: &str) -> Option<String> {
        let framed = STANDARD.decode(stored.strip_prefix(SEALED)?).ok()?;
        if framed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = framed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let plain = self
            .inner
            .seal
            .open_in_place(nonce, Aad::from(column.label()), &mut sealed)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }

    /// Whether `stored` is a sealed value of `column` that this key opens.
    pub fn opens(&self, column: Column, stored: &str) -> bool {
        self.try_open(column, stored).is_some()
    }

    /// A keyed digest of `parts`, safe to store: names a cache entry after a secret
    /// without revealing it.
    pub fn fingerprint(&self, parts: &[&str]) -> String {
        let mut ctx = hmac::Context::with_key(&self.inner.fingerprint);
        for part in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            ctx.update(&(part.len() as u64).to_le_bytes());
            ctx.update(part.as_bytes());
        }
        hex(&ctx.sign().as_ref()[..16])
    }
}

/// `data/leida.db` → `data/leida.db.key`.
pub fn key_path(db_path: &Path) -> PathBuf {
    crate::files::sibling(db_path, ".key")
}

fn read_key_file(path: &Path) -> Result<Option<Secrets>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Secrets::from_hex(text.trim(), &format!("密钥文件 {}", path.display()))
            .map(Some)
            .map_err(|why| format!("密钥文件 {} {why}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("无法读取密钥文件 {}: {e}", path.display())),
    }
}

/// Writes a new random key to `path` unless one is there: the key is written to a private
/// temporary file first and linked into place, which fails when `path` exists, so two
/// processes starting at once end with the same key, and none reads half a file.
fn create_key_file(path: &Path) -> Result<Secrets, String> {
    let fail = |e: std::io::Error| format!("无法创建密钥文件 {}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut key = [0u8; KEY_LEN];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| format!("无法生成密钥 {}: 系统随机源不可用", path.display()))?;
    let mut tag = [0u8; 8];
    let _ = SystemRandom::new().fill(&mut tag);
    let tmp = crate::files::sibling(path, &format!(".new-{}-{}", std::process::id(), hex(&tag)));
    let written = write_private(&tmp, &hex(&key)).and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => {
            crate::files::sync_dir(path);
            Secrets::from_bytes(&key, &format!("密钥文件 {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key_file(path)?.ok_or_else(|| format!("密钥文件 {} 消失了", path.display()))
        }
        Err(e) => Err(format!(
            "{}; 也可以在配置项 encryption_key 中设置密钥",
            fail(e)
        )),
    }
}

/// A new file readable by its owner only, synced before anyone can see it.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{text}\n").as_bytes())?;
    file.sync_all()
}

fn decode_hex(text: &str) -> Option<[u8; KEY_LEN]> {
    if text.len() != 2 * KEY_LEN || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut key = [0u8; KEY_LEN];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
