//! WeChat Pay v2 refund notify: `req_info` is AES-256-ECB (PKCS#7) under the lower-case hex
//! MD5 of the merchant's v2 key, base64, and holds a flat XML of the refund's fields.

use std::collections::BTreeMap;

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes256;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::PayV3Error;
use crate::wechat::pay::from_xml;

const BLOCK: usize = 16;

/// The refund's fields (`out_refund_no`, `refund_status`, `settlement_refund_fee`, …).
/// A DOCTYPE in the decrypted XML is refused like any notify's.
pub fn decrypt_req_info(
    req_info: &str,
    v2_key: &str,
) -> Result<BTreeMap<String, String>, PayV3Error> {
    let mut data = STANDARD
        .decode(req_info.trim())
        .map_err(|_| PayV3Error::Decrypt("req_info 不是有效的 base64".into()))?;
    if data.is_empty() || data.len() % BLOCK != 0 {
        return Err(PayV3Error::Decrypt("req_info 长度不是 16 的倍数".into()));
    }
    let cipher = cipher(v2_key);
    for block in data.chunks_exact_mut(BLOCK) {
        cipher.decrypt_block(GenericArray::from_mut_slice(block));
    }
    let plain = unpad(&data).ok_or_else(|| PayV3Error::Decrypt("密钥不符或密文被改动".into()))?;
    let xml = std::str::from_utf8(plain)
        .map_err(|_| PayV3Error::Decrypt("解密结果不是 UTF-8 文本".into()))?;
    from_xml(xml).map_err(PayV3Error::Malformed)
}

/// The inverse of `decrypt_req_info` over an XML text, for fakes and tests.
pub fn encrypt_req_info(xml: &str, v2_key: &str) -> String {
    let pad = BLOCK - xml.len() % BLOCK;
    let mut data = xml.as_bytes().to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let cipher = cipher(v2_key);
    for block in data.chunks_exact_mut(BLOCK) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    STANDARD.encode(data)
}

/// AES-256 keyed by the 32 ASCII characters of `md5(v2_key)` in lower-case hex.
fn cipher(v2_key: &str) -> Aes256 {
    let hex = format!("{:x}", md5::compute(v2_key.as_bytes()));
    Aes256::new(GenericArray::from_slice(hex.as_bytes()))
}

/// Strips PKCS#7 padding; `None` when the padding is not well formed.
fn unpad(data: &[u8]) -> Option<&[u8]> {
    let pad = usize::from(*data.last()?);
    if pad == 0 || pad > BLOCK || pad > data.len() {
        return None;
    }
    let (plain, padding) = data.split_at(data.len() - pad);
    padding
        .iter()
        .all(|b| usize::from(*b) == pad)
        .then_some(plain)
}
