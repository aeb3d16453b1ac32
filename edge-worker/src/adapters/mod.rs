//! The only code that touches workerd: D1 behind the store ports, the platform's clock and log,
//! and the translation between workerd's requests/responses and the HTTP layer's.

pub mod d1;
pub mod platform;
pub mod web;
