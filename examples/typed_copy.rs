//! Prints the typed copy of a sheet PDF (the lines under "Typed copy"), e.g. to make test
//! vectors or to check what a custodian would type: `cargo run --example typed_copy SHEET.pdf`.

use breakglass::paper::format::v1;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: typed_copy SHEET.pdf");
        std::process::exit(2);
    };
    let report = breakglass::ceremony::verify::read_input(std::path::Path::new(&path));
    if let Some(problem) = report.problems.first() {
        eprintln!("{path}: {problem}");
        std::process::exit(1);
    }
    let mut blocks: Vec<_> = report.blocks.iter().map(|found| found.block.clone()).collect();
    blocks.sort_by_key(|block| match block.header.part {
        v1::Part::Share { .. } | v1::Part::ProtectedShare { .. } => 0,
        v1::Part::Vault { chunk, .. } => u16::from(chunk),
    });
    for block in blocks {
        match v1::encode_block(&block.header, &block.data) {
            Ok(encoded) => println!("{}", encoded.to_text().as_str()),
            Err(error) => eprintln!("{error}"),
        }
    }
}
