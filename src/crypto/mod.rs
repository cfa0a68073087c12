//! The cryptography a ceremony rests on: the age vault, the Shamir shares of its key, the
//! custodians' optional protection of their shares, the payload inside the vault, and the
//! zeroizing types every secret lives in.

pub mod digest;
pub mod payload;
pub mod protect;
pub mod secret;
pub mod share;
pub mod vault;
