//! `/zhugeleida/xiaochengxu/`: what the mini-program calls, signed by the customer.

pub mod card;
pub mod chat;
pub mod login;
pub mod product;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    [
        login::routes(),
        card::routes(),
        chat::routes(),
        product::routes(),
    ]
    .concat()
}
