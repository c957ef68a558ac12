//! The dialect the signer's company answers in (`zhuge_dialect`, docs/zhuge.md).

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::principal::Employee;

pub async fn of_signer(db: &Db, settings: &Settings, me: Employee) -> ApiResult<Dialect> {
    let default = Dialect::configured(settings);
    db.run(move |c| dialect::of_company(c, me.company_id, default))
        .await
}
