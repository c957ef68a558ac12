//! `/zhugeleida/qiyeweixin/`: what salespeople and administrators call, signed by the employee.

pub mod chat;
pub mod product;
pub mod radar;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    [radar::routes(), chat::routes(), product::routes()].concat()
}
