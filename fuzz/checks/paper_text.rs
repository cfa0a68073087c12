//! Guards the typed-text / QR-payload parser (`format::v1::decode_text`, which runs
//! `split_blocks`, `decode_header` and `decode_block`): arbitrary text must never panic, every
//! result must be printable as the CLI prints it, and every block that decodes must re-encode
//! (`encode_block`) to QR and typed forms that decode back to an equal block.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/paper_text.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::paper::format::v1;

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let results = match v1::decode_text(&text) {
        Ok(results) => results,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    for result in results {
        let block = match result {
            Ok(block) => block,
            Err(error) => {
                let _ = error.to_string();
                continue;
            }
        };
        // What `verify` prints about a block it read.
        let _ = block.header.ceremony.to_string();
        let encoded = v1::encode_block(&block.header, &block.data)
            .unwrap_or_else(|error| panic!("a decoded block does not re-encode: {error:?} ({:?})", block.header));
        for form in [encoded.qr_payload(), encoded.to_text()] {
            let again =
                v1::decode_text(&form).unwrap_or_else(|error| panic!("re-encoded text does not split: {error:?}"));
            assert_eq!(again.len(), 1, "re-encoded text holds {} blocks", again.len());
            let again = again.into_iter().next().expect("one block");
            let again = again.unwrap_or_else(|error| panic!("re-encoded block does not decode: {error:?}"));
            assert_eq!(again, block, "round trip changed the block");
        }
    }
}
