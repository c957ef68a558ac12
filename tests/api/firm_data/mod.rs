//! A firm's data and retention (issue 17 §2, §3): `leida export` / `leida purge
//! --company`, the console's download, no pushes that could never be sent, and the daily
//! cleanup that deletes only what is old.

mod export;
mod purge;
mod pushes;
mod retention;

use std::path::PathBuf;

use crate::common::{urlencode, Signer, TestApp};

/// Two firms: 甲公司 (`a`, customers `only_a` and `both`) and 乙公司 (`b`, customers `both`,
/// bound to it last, and `only_b`), each with a card view, a chat line, a note and a
/// product; 甲's product shows an uploaded picture.
pub struct Firms {
    pub app: TestApp,
    pub a: Signer,
    pub b: Signer,
    pub only_a: Signer,
    pub both: Signer,
    pub only_b: Signer,
    pub a_company: i64,
    pub b_company: i64,
    /// 甲's picture, relative to `data_dir`.
    pub picture: String,
}

impl Firms {
    pub fn new() -> Firms {
        let app = TestApp::new();
        let a = app.admin("boss-a", "甲公司");
        let b = app.admin("boss-b", "乙公司");
        let (only_a, both, only_b) = (app.customer("ca"), app.customer("cab"), app.customer("cb"));
        app.bind(&only_a, a.user_id);
        app.bind(&both, a.user_id);
        app.bind(&both, b.user_id);
        app.bind(&only_b, b.user_id);
        for (customer, card) in [(&only_a, &a), (&both, &a), (&both, &b), (&only_b, &b)] {
            let view = customer.uri(
                "/zhugeleida/xiaochengxu/mingpian",
                &format!("uid={}", card.user_id),
            );
            assert_eq!(app.get(&view)["code"], 200);
            let send = customer.uri("/zhugeleida/xiaochengxu/chat/send_msg/0", "");
            let content = urlencode(r#"{"info_type":1,"msg":"你好"}"#);
            let said = app.post_form(&send, &format!("u_id={}&content={content}", card.user_id));
            assert_eq!(said["code"], 200, "{said}");
        }
        let company_of = |s: &Signer| {
            app.count(&format!(
                "SELECT company_id FROM zl_employee WHERE id = {}",
                s.user_id
            ))
        };
        let (a_company, b_company) = (company_of(&a), company_of(&b));
        let picture = store_picture(&app);
        for (boss, name, cover) in [(&a, "甲的产品", picture.as_str()), (&b, "乙的产品", "")]
        {
            let content = format!(
                r#"{{"cover_data":[{{"type":"picture_url","data":["statics/{cover}"]}}],"article_data":[]}}"#
            );
            let added = app.post_form(
                &boss.uri("/zhugeleida/qiyeweixin/product/add/0", ""),
                &format!(
                    "name={}&price=100&content={}",
                    urlencode(name),
                    urlencode(&content)
                ),
            );
            assert_eq!(added["code"], 200, "{added}");
        }
        for (boss, customer, memo) in [(&a, &both, "甲的备注"), (&b, &both, "乙的备注")] {
            let path = format!(
                "/zhugeleida/qiyeweixin/customer/update_information/{}",
                customer.user_id
            );
            let noted = app.post_form(&boss.uri(&path, ""), &format!("mem={}", urlencode(memo)));
            assert_eq!(noted["code"], 200, "{noted}");
        }
        Firms {
            app,
            a,
            b,
            only_a,
            both,
            only_b,
            a_company,
            b_company,
            picture,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.app.dir.path().join("files")
    }
}

/// A real PNG stored as an upload, as the upload route stores one.
fn store_picture(app: &TestApp) -> String {
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    leida::media::save_image(&app.dir.path().join("files"), &png, 1 << 20, 1 << 20).unwrap()
}
