//! Lower-case hexadecimal, for digests shown to people and put in tokens.

use std::fmt::Write;

/// `bytes` as lower-case hex, two digits each.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
