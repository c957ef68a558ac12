//! `/zhugeleida/qiyeweixin/`: what salespeople and administrators call, signed by the employee.

mod alias;
pub mod chat;
pub mod company;
pub mod credentials;
pub mod customer;
pub mod dialect;
pub mod follow;
pub mod form;
pub mod mingpian;
pub mod poster;
pub mod product;
pub mod quanxian;
pub mod radar;
pub mod role;
pub mod stream;
pub mod tag;
pub mod tag_user;
pub mod tongxunlu;
pub mod upload;
pub mod user;
pub mod work_auth;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    [
        radar::routes(),
        stream::routes(),
        chat::routes(),
        product::routes(),
        poster::routes(),
        user::routes(),
        role::routes(),
        quanxian::routes(),
        company::routes(),
        credentials::routes(),
        work_auth::routes(),
        mingpian::routes(),
        tag_user::routes(),
        upload::routes(),
        customer::routes(),
        tag::routes(),
        tongxunlu::routes(),
        follow::routes(),
        alias::routes(),
    ]
    .concat()
}
