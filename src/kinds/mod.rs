//! The kinds of secret a ceremony seals: generating new ones (passphrases, certificates) and
//! importing those a team already holds (TOTP seeds, client secrets, FIDO2 PINs, files).

pub mod generate;
pub mod import;
pub mod totp;
