//! `/zhugeleida/xiaochengxu/`: what the mini-program calls, signed by the customer.

pub mod account;
pub mod card;
pub mod chat;
pub mod login;
pub mod pay;
pub mod pay_settings;
pub mod payback;
pub mod poster;
pub mod product;
pub mod refund;
pub mod shop;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    [
        login::routes(),
        account::routes(),
        card::routes(),
        poster::routes(),
        chat::routes(),
        product::routes(),
        shop::routes(),
        pay::routes(),
        payback::routes(),
        refund::routes(),
    ]
    .concat()
}
