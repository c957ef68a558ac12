//! AEAD_AES_256_GCM with the merchant's APIv3 key: how WeChat Pay encrypts a notify's
//! `resource` and each entry of `/v3/certificates`.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use serde::{Deserialize, Serialize};

use super::PayV3Error;

/// The only algorithm v3 documents for `resource.algorithm`.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// The APIv3 key: 32 bytes, set by the merchant on the merchant platform. Debug hides it.
#[derive(Clone)]
pub struct ApiV3Key(LessSafeKey);

impl ApiV3Key {
    /// The key as configured (`pay_apiv3_key`); anything but 32 bytes is refused.
    pub fn new(key: &str) -> Result<ApiV3Key, PayV3Error> {
        let wrong = || PayV3Error::Key(format!("APIv3 密钥须为 32 字节, 现为 {} 字节", key.len()));
        if key.len() != 32 {
            return Err(wrong());
        }
        let key = UnboundKey::new(&AES_256_GCM, key.as_bytes()).map_err(|_| wrong())?;
        Ok(ApiV3Key(LessSafeKey::new(key)))
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(..)")
    }
}

/// Opens `ciphertext` (base64 of ciphertext + 16-byte tag) with `nonce` (12 characters) and
/// `associated_data`. A wrong key, nonce, associated data or any altered byte is refused.
pub fn decrypt(
    key: &ApiV3Key,
    associated_data: &str,
    nonce: &str,
    ciphertext: &str,
) -> Result<Vec<u8>, PayV3Error> {
    let mut data = STANDARD
        .decode(ciphertext.trim())
        .map_err(|_| PayV3Error::Decrypt("ciphertext 不是有效的 base64".into()))?;
    let plain = key
        .0
        .open_in_place(
            nonce_of(nonce)?,
            Aad::from(associated_data.as_bytes()),
            &mut data,
        )
        .map_err(|_| PayV3Error::Decrypt("密钥不符或密文被改动".into()))?;
    Ok(plain.to_vec())
}

/// The inverse of `decrypt`, for the fakes that stand in for WeChat Pay.
pub fn encrypt(
    key: &ApiV3Key,
    associated_data: &str,
    nonce: &str,
    plaintext: &[u8],
) -> Result<String, PayV3Error> {
    let mut data = plaintext.to_vec();
    key.0
        .seal_in_place_append_tag(
            nonce_of(nonce)?,
            Aad::from(associated_data.as_bytes()),
            &mut data,
        )
        .map_err(|_| PayV3Error::Decrypt("加密失败".into()))?;
    Ok(STANDARD.encode(data))
}

fn nonce_of(nonce: &str) -> Result<Nonce, PayV3Error> {
    let bytes: [u8; NONCE_LEN] = nonce
        .as_bytes()
        .try_into()
        .map_err(|_| PayV3Error::Decrypt(format!("nonce 须为 {NONCE_LEN} 字节")))?;
    Ok(Nonce::assume_unique_for_key(bytes))
}

/// An encrypted object as WeChat Pay sends it (`resource`, `encrypt_certificate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original_type: String,
}

impl Resource {
    /// The plaintext; an algorithm other than AEAD_AES_256_GCM is refused.
    pub fn decrypt(&self, key: &ApiV3Key) -> Result<Vec<u8>, PayV3Error> {
        if self.algorithm != ALGORITHM {
            return Err(PayV3Error::Malformed(format!(
                "不支持的加密算法 {:?}",
                self.algorithm
            )));
        }
        decrypt(key, &self.associated_data, &self.nonce, &self.ciphertext)
    }

    /// Encrypts `plaintext` as WeChat Pay would, for fakes and tests.
    pub fn seal(
        key: &ApiV3Key,
        associated_data: &str,
        nonce: &str,
        original_type: &str,
        plaintext: &[u8],
    ) -> Result<Resource, PayV3Error> {
        Ok(Resource {
            algorithm: ALGORITHM.into(),
            ciphertext: encrypt(key, associated_data, nonce, plaintext)?,
            associated_data: associated_data.into(),
            nonce: nonce.into(),
            original_type: original_type.into(),
        })
    }
}
