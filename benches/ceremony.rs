//! Timing of the main jobs, release build: `cargo bench --bench ceremony`.
//!
//! A plain bench binary (no framework): each step runs several times and the median is
//! printed, so the figures in docs/PERFORMANCE.md can be reproduced with one command.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use breakglass::ceremony::seal::{self, SecretInput};
use breakglass::ceremony::{selfcheck, verify};
use breakglass::kinds::passphrase::generate::Policy;
use breakglass::paper::scan::{pdf, qr};
use breakglass::platform::output::Staging;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(label: &str, runs: usize, mut work: impl FnMut() -> T) -> T {
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(work());
        samples.push(start.elapsed());
    }
    println!(
        "{label:<58} median {:>9.1} ms  ({runs} runs)",
        median(samples).as_secs_f64() * 1000.0
    );
    last.expect("runs > 0")
}

fn main() {
    let scratch = std::env::temp_dir().join(format!("breakglass-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");

    let ceremony = time("seal 3-of-5 in memory (encrypt, split, render 5 PDFs)", 10, || {
        seal::seal(common::request(
            "bench",
            5,
            3,
            SecretInput::GeneratePassphrase(Policy::default()),
        ))
        .expect("seal")
    });
    let total: usize = ceremony.sheets.iter().map(|sheet| sheet.pdf.len()).sum();
    println!("{:<58} {total} bytes for 5 sheets", "PDF size");

    let mut run = 0;
    time("seal 3-of-5 with write + self-check (what `seal` does)", 5, || {
        run += 1;
        let ceremony = seal::seal(common::request(
            "bench",
            5,
            3,
            SecretInput::GeneratePassphrase(Policy::default()),
        ))
        .expect("seal");
        let staging = Staging::begin(&scratch.join(format!("full-{run}"))).expect("staging");
        for sheet in &ceremony.sheets {
            staging.write(&sheet.file_name, &sheet.pdf).expect("write");
        }
        selfcheck::check(staging.path(), &ceremony.sheets, &ceremony.manifest).expect("self-check");
    });

    let pdf_bytes = &ceremony.sheets[0].pdf;
    for dpi in [150.0, 300.0] {
        let pages = time(&format!("rasterise one sheet in-process at {dpi} dpi"), 5, || {
            pdf::rasterise(pdf_bytes, dpi).expect("rasterise")
        });
        time(&format!("find + decode QR codes on a {dpi} dpi page"), 5, || {
            qr::read_all(&pages[0], &verify::page_complete)
        });
        let png = scratch.join(format!("page-{dpi}.png"));
        pages[0].save(&png).expect("save png");
        let paths: Vec<PathBuf> = vec![png];
        time(
            &format!("verify one {dpi} dpi PNG page (read + decode + checks)"),
            5,
            || verify::read_inputs(&paths),
        );
    }

    time("seal 3-of-255 in memory", 1, || {
        seal::seal(common::request(
            "bench",
            255,
            3,
            SecretInput::GeneratePassphrase(Policy::default()),
        ))
        .expect("seal")
    });
    let _ = std::fs::remove_dir_all(&scratch);
}
