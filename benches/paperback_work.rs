//! The work paperback's `backup -n 3 -k 5` does, as breakglass does it, with CPU time beside
//! wall time: `cargo bench --bench paperback_work`.
//!
//! Seals a 200-byte provided secret 3-of-5 and 3-of-255 the way the `seal` command does (encrypt,
//! split, render every sheet, write them, and read every PDF back in the self-check), and prints
//! the wall time and the process CPU time (user + system, from `getrusage`) of each run, so the
//! ratio to paperback can be rechecked on any machine. paperback is not a dependency; the
//! commands to measure it side by side are in docs/PERFORMANCE.md.

mod common;

use std::time::{Duration, Instant};

use breakglass::ceremony::seal::{self, ProvidedSecret, PublicFacts, SecretInput};
use breakglass::ceremony::selfcheck;
use breakglass::crypto::secret::SecretBytes;
use breakglass::kinds::SecretKind;
use breakglass::platform::output::Staging;

/// CPU time this process has used so far (all threads, user + system).
#[cfg(unix)]
fn cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage");
    let to_duration = |time: nix::sys::time::TimeVal| {
        Duration::from_secs(time.tv_sec() as u64) + Duration::from_micros(time.tv_usec() as u64)
    };
    to_duration(usage.user_time()) + to_duration(usage.system_time())
}

/// Elsewhere the process CPU time is not measured (the bench's figures come from Linux); it
/// reads as zero so the wall time still prints.
#[cfg(not(unix))]
fn cpu() -> Duration {
    Duration::ZERO
}

fn secret() -> SecretInput {
    let bytes: Vec<u8> = (0..200u8).collect();
    SecretInput::Provided(Box::new(ProvidedSecret {
        kind: SecretKind::File,
        secret: SecretBytes::from_slice(&bytes),
        file_name: None,
        metadata: Vec::new(),
        public: PublicFacts::default(),
    }))
}

fn main() {
    let scratch = std::env::temp_dir().join(format!("breakglass-paperback-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    for (custodians, runs) in [(5usize, 5usize), (255, 1)] {
        for run in 0..runs {
            let (wall, cpu_before) = (Instant::now(), cpu());
            let ceremony = seal::seal(common::request("bench", custodians, 3, secret())).expect("seal");
            let staging = Staging::begin(&scratch.join(format!("{custodians}-{run}"))).expect("staging");
            for sheet in &ceremony.sheets {
                staging.write(&sheet.file_name, &sheet.pdf).expect("write");
            }
            selfcheck::check(staging.path(), &ceremony.sheets, &ceremony.manifest).expect("self-check");
            let (wall, cpu) = (wall.elapsed(), cpu() - cpu_before);
            println!(
                "seal 3-of-{custodians:<3} with self-check  wall {:>8.1} ms  cpu {:>8.1} ms  ({:.1} ms cpu a sheet)",
                wall.as_secs_f64() * 1000.0,
                cpu.as_secs_f64() * 1000.0,
                cpu.as_secs_f64() * 1000.0 / custodians as f64
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
