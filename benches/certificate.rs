//! Timing of app-registration certificates, release build: `cargo bench --bench certificate`.
//!
//! RSA key generation (random prime search) dominates and varies a lot from run to run, so each
//! size runs several times and the median and the slowest are printed, with the DER sizes of the
//! key and the certificate. A plain bench binary (no framework); about 10 s in all.

use std::time::{Duration, Instant};

use breakglass::kinds::certificate::generate::{self as certificate, CertificateRequest};

fn main() {
    for (bits, runs) in [(2048, 31), (3072, 15), (4096, 11)] {
        let request = CertificateRequest {
            subject: "CN=bench-breakglass-app".into(),
            key_bits: bits,
            valid_days: 365,
            not_before: 1_767_225_600,
        };
        let mut samples: Vec<Duration> = Vec::with_capacity(runs);
        let mut sizes = (0, 0);
        for _ in 0..runs {
            let start = Instant::now();
            let generated = certificate::generate(&request).expect("generate");
            samples.push(start.elapsed());
            sizes = (generated.key_pkcs8_der.len(), generated.cert_der.len());
        }
        samples.sort();
        println!(
            "RSA-{bits} keygen + self-sign   median {:>7.1} ms  max {:>7.1} ms  ({runs} runs)  key {} B, cert {} B (DER)",
            samples[runs / 2].as_secs_f64() * 1000.0,
            samples[runs - 1].as_secs_f64() * 1000.0,
            sizes.0,
            sizes.1,
        );
    }
}
