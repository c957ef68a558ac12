//! A WeChat Pay merchant as configured: which API it speaks (v2 or v3) and its keys, from
//! the configuration (the consulting app's merchant) or from a company's shop settings.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};

use super::pay::Merchant;
use super::pay_v3::{ApiV3Key, KeySet, MerchantKey, MerchantSigner, PublicKey};
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::secrets::{Secrets, PAY_APIV3_KEY, PAY_CERT_KEY, PAY_KEY, PAY_PRIVATE_KEY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V2,
    V3,
}

impl ApiVersion {
    /// `v2` (also empty) or `v3`.
    pub fn parse(text: &str) -> Option<ApiVersion> {
        match text.trim() {
            "" | "v2" => Some(ApiVersion::V2),
            "v3" => Some(ApiVersion::V3),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ApiVersion::V2 => "v2",
            ApiVersion::V3 => "v3",
        }
    }
}

/// What a v3 merchant signs and verifies with.
#[derive(Debug)]
pub struct V3Keys {
    pub signer: MerchantSigner,
    pub api_key: ApiV3Key,
    /// The configured WeChat Pay public key under its id; platform certificates fetched from
    /// `/v3/certificates` are added by the client (`WeChat::v3_keys`).
    pub known: KeySet,
}

/// The v2 client certificate (PEM chain and key) that authenticates `/secapi/` calls.
#[derive(Clone)]
pub struct ClientCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCert(..)")
    }
}

/// One merchant, ready to pay and refund. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PayAccount {
    pub appid: String,
    pub mch_id: String,
    pub version: ApiVersion,
    /// The v2 key (also what decrypts v2 refund notifies); may be empty for a v3 merchant.
    pub v2_key: String,
    pub v3: Option<Arc<V3Keys>>,
    pub client_cert: Option<ClientCert>,
}

/// The configured merchant (`pay_*` keys), loaded once at start: the consulting app's.
#[derive(Debug, Clone, Default)]
pub struct ConfiguredPay(pub Option<PayAccount>);

/// The raw values, from the configuration files or a company's (opened) columns.
#[derive(Default)]
pub struct AccountFields {
    pub appid: String,
    pub mch_id: String,
    pub version: String,
    pub v2_key: String,
    pub apiv3_key: String,
    pub private_key_pem: String,
    pub serial_no: String,
    pub public_key_pem: String,
    pub public_key_id: String,
    pub cert_pem: String,
    pub cert_key_pem: String,
}

impl PayAccount {
    /// The v2 view (appid, mch_id, key) the MD5-signed calls use.
    pub fn v2(&self) -> Merchant {
        Merchant {
            appid: self.appid.clone(),
            mch_id: self.mch_id.clone(),
            key: self.v2_key.clone(),
        }
    }

    pub fn v3_keys(&self) -> ApiResult<&Arc<V3Keys>> {
        self.v3
            .as_ref()
            .ok_or_else(|| ApiError::internal("v3 merchant without v3 keys"))
    }

    /// Whether a refund can be paid out by API: v3 always, v2 only with the client certificate.
    pub fn refunds_by_api(&self) -> bool {
        self.version == ApiVersion::V3 || self.client_cert.is_some()
    }

    /// A merchant from raw values: `Ok(None)` when it is not configured (no appid or mch_id,
    /// or no key for its version), `Err` naming what is wrong when a key cannot be used.
    pub fn from_fields(f: AccountFields) -> Result<Option<PayAccount>, String> {
        let version = ApiVersion::parse(&f.version)
            .ok_or_else(|| format!("pay_api_version 须为 v2 或 v3, 现在是 {:?}", f.version))?;
        if f.appid.is_empty() || f.mch_id.is_empty() {
            return Ok(None);
        }
        let v3 = match version {
            ApiVersion::V2 if f.v2_key.is_empty() => return Ok(None),
            ApiVersion::V2 => None,
            ApiVersion::V3 => {
                if f.apiv3_key.is_empty() || f.private_key_pem.is_empty() || f.serial_no.is_empty()
                {
                    return Ok(None);
                }
                Some(Arc::new(v3_keys(&f)?))
            }
        };
        let client_cert = match (f.cert_pem.is_empty(), f.cert_key_pem.is_empty()) {
            (false, false) => Some(client_cert(&f.cert_pem, &f.cert_key_pem)?),
            (true, true) => None,
            _ => {
                return Err(
                    "客户端证书 (pay_cert_file) 与其私钥 (pay_cert_key_file) 须同时配置".into(),
                )
            }
        };
        Ok(Some(PayAccount {
            appid: f.appid,
            mch_id: f.mch_id,
            version,
            v2_key: f.v2_key,
            v3,
            client_cert,
        }))
    }

    /// The configured merchant (`pay_*` keys, files read now), for the consulting app.
    pub fn configured(settings: &Settings) -> Result<Option<PayAccount>, String> {
        let fields = AccountFields {
            appid: settings.wechat_appid.clone(),
            mch_id: settings.pay_mch_id.clone(),
            version: settings.pay_api_version.clone(),
            v2_key: settings.pay_key.clone(),
            apiv3_key: settings.pay_apiv3_key.clone(),
            private_key_pem: read("pay_private_key_file", &settings.pay_private_key_file)?,
            serial_no: settings.pay_serial_no.clone(),
            public_key_pem: read("pay_public_key_file", &settings.pay_public_key_file)?,
            public_key_id: settings.pay_public_key_id.clone(),
            cert_pem: read("pay_cert_file", &settings.pay_cert_file)?,
            cert_key_pem: read("pay_cert_key_file", &settings.pay_cert_key_file)?,
        };
        PayAccount::from_fields(fields).map_err(|why| format!("微信支付配置有误: {why}"))
    }

    /// A company's shop merchant (`zl_shop_setting`), paying to `appid`.
    pub fn of_company(
        c: &Connection,
        secrets: &Secrets,
        company_id: i64,
        appid: &str,
    ) -> ApiResult<Option<PayAccount>> {
        let Some(row) = shop_row(c, company_id)? else {
            return Ok(None);
        };
        let fields = AccountFields {
            appid: appid.to_string(),
            mch_id: row[0].clone(),
            version: row[1].clone(),
            v2_key: secrets.open(PAY_KEY, &row[2])?,
            apiv3_key: secrets.open(PAY_APIV3_KEY, &row[3])?,
            private_key_pem: secrets.open(PAY_PRIVATE_KEY, &row[4])?,
            serial_no: row[5].clone(),
            public_key_pem: row[6].clone(),
            public_key_id: row[7].clone(),
            cert_pem: row[8].clone(),
            cert_key_pem: secrets.open(PAY_CERT_KEY, &row[9])?,
        };
        PayAccount::from_fields(fields).map_err(|why| {
            ApiError::invalid("shangHuHao", &format!("商城的微信支付设置有误: {why}"))
        })
    }
}

impl PayAccount {
    /// Refuses a company's shop settings whose keys cannot be used (whatever appid it pays to).
    pub fn check_company(c: &Connection, secrets: &Secrets, company_id: i64) -> ApiResult<()> {
        PayAccount::of_company(c, secrets, company_id, "appid plays no part in the check")
            .map(|_| ())
    }
}

const SHOP_COLUMNS: &str = "shangHuHao, pay_api_version, shangHuMiYao, apiv3_key, private_key, \
     serial_no, public_key, public_key_id, cert, cert_key";

fn shop_row(c: &Connection, company_id: i64) -> ApiResult<Option<Vec<String>>> {
    Ok(c.query_row(
        &format!("SELECT {SHOP_COLUMNS} FROM zl_shop_setting WHERE company_id = ?1"),
        [company_id],
        |r| (0..10).map(|i| r.get(i)).collect(),
    )
    .optional()?)
}

fn v3_keys(f: &AccountFields) -> Result<V3Keys, String> {
    let key = MerchantKey::from_pem(&f.private_key_pem).map_err(|e| e.to_string())?;
    let api_key = ApiV3Key::new(&f.apiv3_key).map_err(|e| e.to_string())?;
    let mut known = KeySet::new();
    if !f.public_key_pem.is_empty() {
        if f.public_key_id.is_empty() {
            return Err("配置了微信支付公钥, 但缺少其 ID (pay_public_key_id)".into());
        }
        let public = PublicKey::from_pem(&f.public_key_pem).map_err(|e| e.to_string())?;
        known.insert(&f.public_key_id, public);
    }
    Ok(V3Keys {
        signer: MerchantSigner {
            mch_id: f.mch_id.clone(),
            serial_no: f.serial_no.trim().to_string(),
            key,
        },
        api_key,
        known,
    })
}

fn client_cert(cert_pem: &str, key_pem: &str) -> Result<ClientCert, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    CertificateDer::from_pem_slice(cert_pem.as_bytes())
        .map_err(|e| format!("客户端证书 PEM 无法读取 ({e})"))?;
    PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("客户端证书私钥 PEM 无法读取 ({e})"))?;
    Ok(ClientCert {
        cert_pem: cert_pem.to_string(),
        key_pem: key_pem.to_string(),
    })
}

/// A key file's text; an empty path is "not configured".
fn read(key: &str, path: &Path) -> Result<String, String> {
    if path.as_os_str().is_empty() {
        return Ok(String::new());
    }
    std::fs::read_to_string(path)
        .map_err(|e| format!("配置项 {key} 的文件 {} 无法读取: {e}", path.display()))
}
