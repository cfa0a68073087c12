//! Scan-health thresholds, measured: `cargo bench --bench health`.
//!
//! `verify` warns when a sheet reads today but has little margin left ([`health`]). This bench
//! shows where its tests draw the line. It seals two demo ceremonies in memory (a passphrase
//! sheet with 2 codes, a 480-byte file sheet with 3), rasterises sheet 1 of each at several
//! resolutions, and simulates ageing and scanning: the ink faded to a share of its contrast,
//! optional blur, then scanner noise (a fixed-seed PRNG, so every run is the same). For each
//! condition it prints whether `verify` reads the page at all, how much further the page can
//! fade before the direct read fails (the true remaining margin, found by a sweep), what the
//! health estimate says and how long it took, and the same for the estimate testing the whole
//! page instead of each code on its own part of it (where the two disagree).
//!
//! [`health`]: breakglass::paper::scan::health

mod common;

use std::time::Instant;

use breakglass::ceremony::seal::{self, ProvidedSecret, PublicFacts, SecretInput};
use breakglass::ceremony::verify;
use breakglass::crypto::secret::SecretBytes;
use breakglass::kinds::SecretKind;
use breakglass::kinds::passphrase::generate::Policy;
use breakglass::paper::scan::health::{self, Concern};
use breakglass::paper::scan::{pdf, qr};
use image::{GrayImage, imageops};

/// Resolutions of the simulated scans.
const DPI: [u32; 3] = [100, 150, 300];
/// Share of the original ink contrast left after ageing.
const INK: [f32; 6] = [1.0, 0.5, 0.3, 0.2, 0.12, 0.08];
/// Further fading tried to find the remaining margin (share of the aged page's contrast).
const SWEEP: [f32; 10] = [1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05, 0.03];
/// An aged, scanned copy of a clean render: ink faded to `ink`, blurred by `blur` pixels
/// (sigma), scanner noise added (the same fixed-seed noise as the health test's).
fn scan(page: &GrayImage, ink: f32, blur: f32) -> GrayImage {
    let faded = health::fade(page, ink);
    let blurred = if blur > 0.0 {
        imageops::blur(&faded, blur)
    } else {
        faded
    };
    health::add_scanner_noise(&blurred)
}

fn concerns(health: &health::ScanHealth) -> String {
    if health.good() {
        return "good".into();
    }
    health
        .concerns
        .iter()
        .map(|concern| match concern {
            Concern::WeakRead(pass) => format!("weak read ({pass})"),
            other => other.as_str().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    let file_secret: Vec<u8> = (0..480).map(|i| (i * 151 + 7) as u8).collect();
    let sheets = [
        (
            "passphrase",
            seal::seal(common::request(
                "health bench",
                5,
                3,
                SecretInput::GeneratePassphrase(Policy::default()),
            ))
            .expect("seal"),
        ),
        (
            "480-byte file",
            seal::seal(common::request(
                "health bench",
                5,
                3,
                SecretInput::Provided(Box::new(ProvidedSecret {
                    kind: SecretKind::File,
                    secret: SecretBytes::from_slice(&file_secret),
                    file_name: None,
                    metadata: Vec::new(),
                    public: PublicFacts::default(),
                })),
            ))
            .expect("seal"),
        ),
    ];
    println!(
        "Scanner noise: uniform +/-{} grey levels. Health tests: contrast cut to {:.0}% (each code alone: {:.0}%), resolution halved.",
        health::SCANNER_NOISE,
        health::FADE_TEST * 100.0,
        health::FADE_TEST_ALONE * 100.0
    );
    println!(
        "\n| sheet | dpi | blur | ink left | verify reads | direct read survives fading to | health | estimate ms | health, whole page | whole page ms |"
    );
    println!("|---|---:|---:|---:|---|---:|---|---:|---|---:|");
    let mut disagree = 0usize;
    let mut timings_300 = Vec::new();
    for (name, ceremony) in &sheets {
        let sheet = &ceremony.sheets[0];
        let payloads: Vec<String> = sheet
            .blocks
            .iter()
            .map(|block| block.qr_payload().to_string())
            .collect();
        for dpi in DPI {
            let clean = pdf::rasterise(&sheet.pdf, dpi as f32)
                .expect("rasterise")
                .swap_remove(0);
            for blur in [0.0f32, 1.0] {
                for ink in INK {
                    let page = scan(&clean, ink, blur);
                    let found = qr::read_all(&page, &verify::page_complete);
                    let reads = payloads.iter().all(|p| found.iter().any(|code| &code.text == p));
                    let (working, _) = qr::working_copy(&page);
                    let survives = SWEEP
                        .iter()
                        .copied()
                        .take_while(|&keep| health::survives_fading(&working, keep, &payloads))
                        .last();
                    let started = Instant::now();
                    let estimate = health::estimate(&page, &found, true);
                    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
                    // The same estimate without the codes' places: every test on the whole page
                    // (what it did before each code was tested on its own part of the page).
                    let unplaced: Vec<qr::FoundQr> = found.iter().map(qr::FoundQr::unplaced).collect();
                    let started = Instant::now();
                    let whole = health::estimate(&page, &unplaced, true);
                    let whole_elapsed = started.elapsed().as_secs_f64() * 1000.0;
                    if dpi == 300 && reads {
                        timings_300.push((elapsed, whole_elapsed));
                    }
                    let shown = |estimate: &health::ScanHealth| {
                        if found.is_empty() {
                            "-".into()
                        } else {
                            concerns(estimate)
                        }
                    };
                    disagree += usize::from(estimate != whole);
                    println!(
                        "| {name} | {dpi} | {blur:.0} | {:.0}% | {} | {} | {} | {elapsed:.0} | {} | {whole_elapsed:.0} |",
                        ink * 100.0,
                        if reads { "yes" } else { "no" },
                        survives.map_or("-".into(), |keep| format!("{:.0}%", keep * 100.0)),
                        shown(&estimate),
                        if estimate == whole {
                            "same".into()
                        } else {
                            shown(&whole)
                        },
                    );
                }
            }
        }
    }
    println!("\nconditions where testing each code alone and testing the whole page disagree: {disagree}");
    let (alone, whole): (Vec<f64>, Vec<f64>) = timings_300.into_iter().unzip();
    for (which, mut timings) in [("each code alone", alone), ("whole page", whole)] {
        timings.sort_by(f64::total_cmp);
        if let Some(median) = timings.get(timings.len() / 2) {
            println!("health estimate on readable 300 dpi pages ({which}): median {median:.0} ms");
        }
    }
}
