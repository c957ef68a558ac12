//! Who signed a Zhuge Leida request (SPEC §4). The guards that prove it are in
//! `signed.rs`; these are the principals handlers and queries work with.

/// A mini-program customer (`/zhugeleida/xiaochengxu/`).
#[derive(Debug, Clone, Copy)]
pub struct Customer {
    pub id: i64,
}

/// An employee (salesperson or administrator) of a company (`/zhugeleida/qiyeweixin/`).
#[derive(Debug, Clone, Copy)]
pub struct Employee {
    pub id: i64,
    pub company_id: i64,
    pub role_id: i64,
}

/// An employee with the token their request was signed with, for a response that lasts
/// (the radar stream) and must end once that token no longer signs for them.
#[derive(Debug, Clone)]
pub struct SignedEmployee {
    pub me: Employee,
    pub token: String,
}

/// Either principal, for routes both may call: the signature is tried against the employee
/// with that `user_id` first, then the customer (SPEC §9).
#[derive(Debug, Clone)]
pub enum Signer {
    Employee(Employee),
    Customer(Customer),
}
