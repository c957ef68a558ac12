//! `/zhugeleida/qiyeweixin/`: what salespeople and administrators call, signed by the employee.

pub mod customer;
pub mod follow;
pub mod radar;
pub mod tag;
pub mod tongxunlu;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    [
        radar::routes(),
        customer::routes(),
        tag::routes(),
        tongxunlu::routes(),
        follow::routes(),
    ]
    .concat()
}
