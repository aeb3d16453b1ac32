//! The media half of the engine: sniffing, probing and (with later issues) demuxing, decoding and
//! stream-copy remuxing.

pub mod bytes;
pub mod decode;
pub mod extract;
pub mod foreign;
pub mod isobmff;
pub mod opus;
pub mod probe;
pub mod render;
pub mod sniff;
pub mod speech;
pub mod wav;
