//! Key material: the merchant's RSA private key (signs our requests), and the RSA public keys
//! that sign WeChat Pay's answers: the "WeChat Pay public key" (SPKI PEM) or a platform
//! certificate (X.509 PEM).

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, SubjectPublicKeyInfoDer};

use super::PayV3Error;

/// The merchant's API private key (`apiclient_key.pem`). Debug output never shows it.
pub struct MerchantKey {
    pair: RsaKeyPair,
}

impl MerchantKey {
    /// Reads a PKCS#8 `PRIVATE KEY` (what the merchant platform issues) or a PKCS#1
    /// `RSA PRIVATE KEY` PEM. The key must be RSA, 2048 bits or more.
    pub fn from_pem(pem: &str) -> Result<MerchantKey, PayV3Error> {
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| PayV3Error::Key(format!("商户私钥 PEM 无法读取 ({e})")))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs8(key) => RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der()),
            _ => {
                return Err(PayV3Error::Key(
                    "商户私钥须为 RSA 私钥 (PRIVATE KEY 或 RSA PRIVATE KEY)".into(),
                ))
            }
        }
        .map_err(|e| PayV3Error::Key(format!("商户私钥不是可用的 RSA 私钥 ({e})")))?;
        Ok(MerchantKey { pair })
    }

    /// RSA PKCS#1 v1.5 with SHA-256 over `message`, base64: the `signature` / `paySign` value.
    pub fn sign(&self, message: &[u8]) -> Result<String, PayV3Error> {
        let mut out = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut out,
            )
            .map_err(|_| PayV3Error::Key("商户私钥签名失败".into()))?;
        Ok(STANDARD.encode(out))
    }

    /// The matching public key (what WeChat Pay holds for this merchant).
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.pair.public().as_ref().to_vec())
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey(..)")
    }
}

/// An RSA public key (2048 bits or more), kept as the DER `RSAPublicKey` that ring verifies with.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(Vec<u8>);

impl PublicKey {
    /// Reads a `PUBLIC KEY` PEM (SubjectPublicKeyInfo), such as `pub_key.pem` from the merchant platform.
    pub fn from_pem(pem: &str) -> Result<PublicKey, PayV3Error> {
        let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| PayV3Error::Key(format!("公钥 PEM 无法读取 ({e})")))?;
        PublicKey::from_spki_der(spki.as_ref())
    }

    /// Reads a DER SubjectPublicKeyInfo; only `rsaEncryption` keys are accepted.
    pub fn from_spki_der(spki: &[u8]) -> Result<PublicKey, PayV3Error> {
        let bad = |why: &str| PayV3Error::Key(format!("公钥格式错误: {why}"));
        let (spki, _) = expect(spki, SEQUENCE).ok_or_else(|| bad("SubjectPublicKeyInfo"))?;
        let (algorithm, rest) = expect(spki, SEQUENCE).ok_or_else(|| bad("AlgorithmIdentifier"))?;
        let (oid, _) = expect(algorithm, OID).ok_or_else(|| bad("算法 OID"))?;
        if oid != RSA_ENCRYPTION {
            return Err(PayV3Error::Key("公钥不是 RSA 公钥".into()));
        }
        let (bits, _) = expect(rest, BIT_STRING).ok_or_else(|| bad("subjectPublicKey"))?;
        match bits.split_first() {
            Some((0, rsa_public_key)) => PublicKey::from_rsa_der(rsa_public_key),
            _ => Err(bad("subjectPublicKey")),
        }
    }

    /// Reads a DER `RSAPublicKey` (PKCS#1: modulus and exponent).
    pub fn from_rsa_der(der: &[u8]) -> Result<PublicKey, PayV3Error> {
        let (body, _) =
            expect(der, SEQUENCE).ok_or_else(|| PayV3Error::Key("RSAPublicKey 格式错误".into()))?;
        let (modulus, _) =
            expect(body, INTEGER).ok_or_else(|| PayV3Error::Key("RSAPublicKey 格式错误".into()))?;
        let significant = modulus.iter().skip_while(|b| **b == 0).count();
        if significant < 256 {
            return Err(PayV3Error::Key("RSA 公钥短于 2048 位".into()));
        }
        Ok(PublicKey(der.to_vec()))
    }

    /// Reads a platform certificate (X.509 PEM): its serial number as WeChat Pay writes it
    /// (upper-case hex, no leading zeros) and its public key. Validity dates are not checked
    /// here; the certificate list says when each one expires.
    pub fn from_certificate_pem(pem: &str) -> Result<(String, PublicKey), PayV3Error> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| PayV3Error::Key(format!("证书 PEM 无法读取 ({e})")))?;
        let cert = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| PayV3Error::Key(format!("证书无法解析 ({e})")))?;
        let key = PublicKey::from_spki_der(cert.subject_public_key_info().as_ref())?;
        Ok((serial_hex(cert.serial()), key))
    }

    /// True when `signature` (base64) is this key's RSA-SHA256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(signature) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.0)
            .verify(message, &signature)
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} bytes)", self.0.len())
    }
}

/// A certificate serial as WeChat Pay's `serial_no`: upper-case hex without leading zeros.
pub fn serial_hex(serial: &[u8]) -> String {
    let hex: String = serial.iter().map(|b| format!("{b:02X}")).collect();
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
/// 1.2.840.113549.1.1.1
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// One DER element with tag `tag` at the start of `input`: (its contents, what follows).
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}
