//! SHA-256 as the files and records name it: lower-case hex. The manifest pins the vault and
//! the policy with it, the log chains its records with it, and the runbook names the binary
//! that wrote it.

use std::io::Read;

use ring::digest::{Context, Digest, SHA256};

/// Lower-case hex of the SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&ring::digest::digest(&SHA256, bytes))
}

/// Lower-case hex of the SHA-256 of everything `reader` yields, read in 64 KiB pieces so that a
/// large file (the running executable) is never held in memory whole.
pub fn sha256_hex_of(mut reader: impl Read) -> std::io::Result<String> {
    let mut context = Context::new(&SHA256);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hex(&context.finish())),
            Ok(read) => context.update(&buffer[..read]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

fn hex(digest: &Digest) -> String {
    digest.as_ref().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_and_whole_digests_agree_with_the_known_value() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(sha256_hex(b""), empty);
        assert_eq!(sha256_hex_of(&b""[..]).unwrap(), empty);
        let long: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        assert_eq!(sha256_hex_of(&long[..]).unwrap(), sha256_hex(&long));
    }
}
