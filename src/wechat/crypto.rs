//! WeChat's `encryptedData` (user info, phone number): AES-128-CBC with the session key.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::error::{ApiError, ApiResult, Code};

type Decryptor = cbc::Decryptor<aes::Aes128>;
type Encryptor = cbc::Encryptor<aes::Aes128>;

/// Decrypts `encrypted_data` (all three arguments base64, as WeChat sends them). When
/// `appid` is given, the payload's `watermark.appid` must be that mini-program's.
pub fn decrypt(
    session_key: &str,
    iv: &str,
    encrypted_data: &str,
    appid: Option<&str>,
) -> ApiResult<Value> {
    let key = base64_field("session_key", session_key)?;
    let iv = base64_field("iv", iv)?;
    let data = base64_field("encryptedData", encrypted_data)?;
    let cipher =
        Decryptor::new_from_slices(&key, &iv).map_err(|_| ApiError::invalid("iv", "长度错误"))?;
    // A key that does not fit is almost always a session key rotated by a newer wx.login.
    let plain = cipher
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .map_err(|_| session_expired())?;
    let value: Value = serde_json::from_slice(&plain).map_err(|_| session_expired())?;
    if let Some(appid) = appid {
        let stamped = value.pointer("/watermark/appid").and_then(Value::as_str);
        if stamped != Some(appid) {
            return Err(ApiError::new(
                Code::Invalid,
                "encryptedData 不属于本小程序 (watermark appid 不符)",
            ));
        }
    }
    Ok(value)
}

/// The inverse of `decrypt`, for fixtures: what WeChat would send for `plain`.
pub fn encrypt(session_key: &str, iv: &str, plain: &Value) -> String {
    let key = STANDARD.decode(session_key).unwrap_or_default();
    let iv = STANDARD.decode(iv).unwrap_or_default();
    match Encryptor::new_from_slices(&key, &iv) {
        Ok(cipher) => {
            STANDARD.encode(cipher.encrypt_padded_vec_mut::<Pkcs7>(plain.to_string().as_bytes()))
        }
        Err(_) => String::new(),
    }
}

fn base64_field(name: &str, raw: &str) -> ApiResult<Vec<u8>> {
    // Form bodies turn '+' into ' ' when the client forgot to encode it.
    STANDARD
        .decode(raw.trim().replace(' ', "+"))
        .map_err(|_| ApiError::invalid(name, "不是有效的 base64"))
}

fn session_expired() -> ApiError {
    ApiError::new(Code::Invalid, "解密失败, 登录已过期, 请重新登录")
}
