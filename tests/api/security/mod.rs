//! Issue 14, tried as an attacker would: each test here failed on the code before its fix.

mod identity;
mod limits;
mod secrets;
