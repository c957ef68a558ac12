//! `/zhugeleida/xiaochengxu/`: what the mini-program calls, signed by the customer.

pub mod card;
pub mod login;
pub mod poster;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    [login::routes(), card::routes(), poster::routes()].concat()
}
