//! Settings: Rocket's figment (Rocket.toml, then `ROCKET_<KEY>`) extracted into one struct.

use std::path::PathBuf;

use rocket::figment::Figment;
use serde::{Deserialize, Deserializer};

/// Every key of SPEC §3 that is ours (Rocket reads `port` and `address` itself).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub db_path: PathBuf,
    pub data_dir: PathBuf,
    #[serde(deserialize_with = "text")]
    pub public_url: String,
    pub auth_max_skew_secs: u64,
    #[serde(deserialize_with = "text")]
    pub wechat_api: String,
    #[serde(deserialize_with = "text")]
    pub work_wechat_api: String,
    #[serde(deserialize_with = "text")]
    pub pay_api: String,
    #[serde(deserialize_with = "text")]
    pub sms_api: String,
    /// `webhook` (the default), `tencent` or `aliyun`.
    #[serde(deserialize_with = "text")]
    pub sms_provider: String,
    /// Tencent SecretId / Aliyun AccessKeyId.
    #[serde(deserialize_with = "text")]
    pub sms_secret_id: String,
    /// Tencent SecretKey / Aliyun AccessKeySecret.
    #[serde(deserialize_with = "text")]
    pub sms_secret_key: String,
    /// Tencent's SmsSdkAppId.
    #[serde(deserialize_with = "text")]
    pub sms_sdk_app_id: String,
    #[serde(deserialize_with = "text")]
    pub sms_sign_name: String,
    /// Tencent TemplateId / Aliyun TemplateCode; the template has one parameter, the code.
    #[serde(deserialize_with = "text")]
    pub sms_template_id: String,
    #[serde(deserialize_with = "text")]
    pub wechat_appid: String,
    #[serde(deserialize_with = "text")]
    pub wechat_secret: String,
    #[serde(deserialize_with = "text")]
    pub work_wechat_corpid: String,
    #[serde(deserialize_with = "text")]
    pub work_wechat_secret: String,
    #[serde(deserialize_with = "text")]
    pub work_wechat_agentid: String,
    #[serde(deserialize_with = "text")]
    pub pay_mch_id: String,
    #[serde(deserialize_with = "text")]
    pub pay_key: String,
    /// `v2` (MD5-signed XML, the default) or `v3` (RSA-signed JSON) for the configured merchant.
    #[serde(deserialize_with = "text")]
    pub pay_api_version: String,
    /// v3: the APIv3 key (32 bytes) that decrypts notifies and platform certificates.
    #[serde(deserialize_with = "text")]
    pub pay_apiv3_key: String,
    /// v3: the merchant's API private key (`apiclient_key.pem`).
    pub pay_private_key_file: PathBuf,
    /// v3: the serial number of the merchant's API certificate.
    #[serde(deserialize_with = "text")]
    pub pay_serial_no: String,
    /// v3: WeChat Pay's public key (`pub_key.pem`); empty: platform certificates are fetched.
    pub pay_public_key_file: PathBuf,
    /// v3: the id of that public key (`PUB_KEY_ID_…`).
    #[serde(deserialize_with = "text")]
    pub pay_public_key_id: String,
    /// v2 refunds: the merchant's client certificate and its key (PEM).
    pub pay_cert_file: PathBuf,
    pub pay_cert_key_file: PathBuf,
    pub upload_max_bytes: u64,
    #[serde(deserialize_with = "text")]
    pub wechat_template_id: String,
    /// Serve `GET /metrics` (Prometheus text format).
    pub metrics: bool,
    /// One line per request: method, path (never the query), status, milliseconds.
    pub access_log: bool,
    /// SQLite's automatic checkpoint, in WAL pages; 0 leaves checkpoints to Litestream.
    pub wal_autocheckpoint: u32,
    /// Sign-in and SMS requests a minute per client address and endpoint (0: no limit).
    pub login_limit_per_address: u32,
    /// Sign-in and SMS requests a minute per phone number or username and endpoint.
    pub login_limit_per_account: u32,
    /// 64 hex characters sealing the secrets stored in the database; empty: the key file
    /// `<db_path>.key`, generated on first start.
    #[serde(deserialize_with = "text")]
    pub encryption_key: String,
    /// WeChat Pay notifies a minute per client address and endpoint (0: no limit).
    pub notify_limit_per_address: u32,
    /// Public card pages (`/mp/mingpian` and its vCard) a minute per client address.
    pub page_limit_per_address: u32,
    /// The most pixels (width × height) an image may have to be decoded at all.
    pub image_max_pixels: u64,
    /// Fake WeChat logins without `wechat_appid` even when `public_url` is not loopback.
    pub offline_dev_mode: bool,
    /// SMS codes a phone number may receive in 24 hours (0: no limit).
    pub sms_daily_per_phone: u32,
    /// SMS codes one client address may request in 24 hours (0: no limit).
    pub sms_daily_per_address: u32,
    /// Design chat images uploaded without `openid` (`/small/imgupload`), per client address
    /// in 10 minutes (0: no limit).
    pub anonymous_upload_limit: u32,
    /// Days a sent or given-up outbox message is kept before it is deleted.
    pub outbox_keep_days: u32,
    /// Days a radar event is kept (its tallies stay); 0 keeps events for ever.
    pub radar_keep_days: u32,
    /// How Zhuge Leida answers where seeds 001/003 and the original 2018 server disagree:
    /// `seed` (the default) or `original`; a company may override it.
    #[serde(deserialize_with = "text")]
    pub zhuge_dialect: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            db_path: PathBuf::from("data/leida.db"),
            data_dir: PathBuf::from("data"),
            public_url: "http://127.0.0.1:8000".into(),
            auth_max_skew_secs: 900,
            wechat_api: "https://api.weixin.qq.com".into(),
            work_wechat_api: "https://qyapi.weixin.qq.com".into(),
            pay_api: "https://api.mch.weixin.qq.com".into(),
            sms_api: String::new(),
            sms_provider: "webhook".into(),
            sms_secret_id: String::new(),
            sms_secret_key: String::new(),
            sms_sdk_app_id: String::new(),
            sms_sign_name: String::new(),
            sms_template_id: String::new(),
            wechat_appid: String::new(),
            wechat_secret: String::new(),
            work_wechat_corpid: String::new(),
            work_wechat_secret: String::new(),
            work_wechat_agentid: String::new(),
            pay_mch_id: String::new(),
            pay_key: String::new(),
            pay_api_version: "v2".into(),
            pay_apiv3_key: String::new(),
            pay_private_key_file: PathBuf::new(),
            pay_serial_no: String::new(),
            pay_public_key_file: PathBuf::new(),
            pay_public_key_id: String::new(),
            pay_cert_file: PathBuf::new(),
            pay_cert_key_file: PathBuf::new(),
            upload_max_bytes: 5 * 1024 * 1024,
            wechat_template_id: String::new(),
            metrics: false,
            access_log: true,
            wal_autocheckpoint: 1000,
            login_limit_per_address: 60,
            login_limit_per_account: 10,
            encryption_key: String::new(),
            notify_limit_per_address: 120,
            page_limit_per_address: 60,
            image_max_pixels: 4096 * 4096,
            offline_dev_mode: false,
            sms_daily_per_phone: 10,
            sms_daily_per_address: 50,
            anonymous_upload_limit: 30,
            outbox_keep_days: 7,
            radar_keep_days: 0,
            zhuge_dialect: "seed".into(),
        }
    }
}

impl Settings {
    /// Reads the settings; the error names the key whose value is wrong.
    pub fn from_figment(figment: &Figment) -> Result<Settings, String> {
        let settings: Settings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            format!("配置项 {key} 的值无效: {}", e.kind)
        })?;
        settings.check()?;
        Ok(settings)
    }

    /// The settings `leida` would run with from this folder and environment.
    pub fn load() -> Result<Settings, String> {
        Settings::from_figment(&rocket::Config::figment())
    }

    fn check(&self) -> Result<(), String> {
        for (key, url) in [
            ("public_url", &self.public_url),
            ("wechat_api", &self.wechat_api),
            ("work_wechat_api", &self.work_wechat_api),
            ("pay_api", &self.pay_api),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "配置项 {key} 必须是 http(s):// 地址, 现在是 {url:?}"
                ));
            }
        }
        if !self.sms_api.is_empty() && !self.sms_api.starts_with("http") {
            return Err(format!(
                "配置项 sms_api 必须为空或 http(s):// 地址, 现在是 {:?}",
                self.sms_api
            ));
        }
        if !matches!(self.pay_api_version.as_str(), "v2" | "v3") {
            return Err(format!(
                "配置项 pay_api_version 须为 v2 或 v3, 现在是 {:?}",
                self.pay_api_version
            ));
        }
        if !matches!(self.zhuge_dialect.as_str(), "seed" | "original") {
            return Err(format!(
                "配置项 zhuge_dialect 须为 seed 或 original, 现在是 {:?}",
                self.zhuge_dialect
            ));
        }
        if !self.pay_apiv3_key.is_empty() && self.pay_apiv3_key.len() != 32 {
            return Err("配置项 pay_apiv3_key 必须是 32 个字符".into());
        }
        crate::sms::SmsProvider::parse(&self.sms_provider).map_err(|e| e.to_string())?;
        if !self.pay_key.is_empty() && self.pay_key.len() != 32 {
            return Err("配置项 pay_key 必须是 32 个字符".into());
        }
        if !self.encryption_key.is_empty() {
            crate::secrets::Secrets::from_hex(&self.encryption_key, "encryption_key")
                .map_err(|why| format!("配置项 encryption_key {why}"))?;
        }
        if self.db_path.as_os_str().is_empty() {
            return Err("配置项 db_path 不能为空".into());
        }
        Ok(())
    }

    /// The SMS provider and its keys (`sms_*`).
    pub fn sms_config(&self) -> crate::sms::SmsConfig {
        crate::sms::SmsConfig {
            provider: crate::sms::SmsProvider::parse(&self.sms_provider)
                .unwrap_or(crate::sms::SmsProvider::Webhook),
            secret_id: self.sms_secret_id.clone(),
            secret_key: self.sms_secret_key.clone(),
            sdk_app_id: self.sms_sdk_app_id.clone(),
            sign_name: self.sms_sign_name.clone(),
            template_id: self.sms_template_id.clone(),
            api: self.sms_api.clone(),
            region: String::new(),
        }
    }

    /// The absolute URL of a file stored under `data_dir`.
    pub fn static_url(&self, rel: &str) -> String {
        format!("{}/statics/{rel}", self.public_url.trim_end_matches('/'))
    }

    /// Whether clients reach the server over https (`public_url`).
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Offline dev mode: no mini-program appid configured, on a loopback `public_url` or
    /// with `offline_dev_mode` set. Then a login `code` becomes a fake openid.
    pub fn offline(&self) -> bool {
        self.wechat_appid.is_empty() && self.offline_allowed()
    }

    /// Whether a mini-program without an appid may fake its logins: anyone who knows a
    /// `code` string gets that account, so only on the operator's own machine or on purpose.
    pub fn offline_allowed(&self) -> bool {
        self.offline_dev_mode || is_loopback_url(&self.public_url)
    }
}

/// `http://127.0.0.1:8000`, `http://localhost`, `http://[::1]:8000/x`: a URL whose host is
/// this machine.
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Text keys also accept numbers: Figment reads `ROCKET_PAY_MCH_ID=1900000109` as an integer.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        I(i128),
        F(f64),
        B(bool),
    }
    Ok(match Text::deserialize(d)? {
        Text::S(s) => s,
        Text::I(i) => i.to_string(),
        Text::F(f) => f.to_string(),
        Text::B(b) => b.to_string(),
    })
}
