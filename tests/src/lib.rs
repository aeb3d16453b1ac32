//! The harness of the end-to-end tests (and of benchmarks that need the real stack): start the
//! local stack once, call it as an operator or an account, stop it whatever happened.

pub mod client;
pub mod speech;
pub mod stack;
pub mod transcriber;
pub mod webhooks;
