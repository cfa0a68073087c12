//! The fonts every PDF is printed in: DejaVu Sans (body, bold) and DejaVu Sans Mono (code, and
//! the typed copy in bold), embedded so that names print as people write them (Łukasz, Dvořák,
//! Çelik, Ωμέγα, Кузнецова), not only in the built-in fonts' Latin-1.
//!
//! The faces in `assets/fonts/` are already cut down to Latin (with Extended-A/B and Additional),
//! Greek and Cyrillic without hinting (`assets/fonts/README.md` has the command), and each PDF
//! embeds only the glyphs it prints, so a sheet grows by a few kilobytes, not by the faces.
//! CJK and other scripts are not covered: [`covers`] says no and callers refuse the text.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::{FontId, ParsedFont, PdfDocument};

/// A face of the embedded family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Face {
    /// DejaVu Sans: body text.
    Sans,
    /// DejaVu Sans Bold: headings, labels.
    SansBold,
    /// DejaVu Sans Mono: code in the runbook.
    Mono,
    /// DejaVu Sans Mono Bold: the typed copy, heavier so it survives a worn printer.
    MonoBold,
}

impl Face {
    /// Every face, in a fixed order.
    pub const ALL: [Face; 4] = [Face::Sans, Face::SansBold, Face::Mono, Face::MonoBold];

    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Sans => include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
            Face::SansBold => include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
            Face::Mono => include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf"),
            Face::MonoBold => include_bytes!("../../../assets/fonts/DejaVuSansMono-Bold.ttf"),
        }
    }

    /// The face's resource name in the PDF.
    fn id(self) -> FontId {
        FontId(
            match self {
                Face::Sans => "BGSans",
                Face::SansBold => "BGSansBold",
                Face::Mono => "BGMono",
                Face::MonoBold => "BGMonoBold",
            }
            .into(),
        )
    }

    /// The PDF font handle text is set in.
    pub fn handle(self) -> printpdf::PdfFontHandle {
        printpdf::PdfFontHandle::External(self.id())
    }

    fn metrics(self) -> &'static Metrics {
        static FACES: [OnceLock<Metrics>; 4] = [const { OnceLock::new() }; 4];
        FACES[self as usize].get_or_init(|| Metrics::of(self.bytes()))
    }
}

/// What layout needs of a face: which glyph prints a character, and how wide it is.
struct Metrics {
    /// Character -> (glyph id, advance in 1/1000 em).
    glyphs: BTreeMap<char, (u16, f32)>,
}

impl Metrics {
    fn of(bytes: &[u8]) -> Self {
        let mut glyphs = BTreeMap::new();
        if let Some(parsed) = ParsedFont::from_bytes(bytes, 0, &mut Vec::new()) {
            let units = f32::from(parsed.units_per_em.max(1));
            for code in (0x20u32..0x3000).filter_map(char::from_u32) {
                if let Some(glyph) = parsed.lookup_glyph_index(code as u32).filter(|&glyph| glyph != 0) {
                    let advance = parsed.get_glyph_width(glyph).unwrap_or(0);
                    glyphs.insert(code, (glyph, f32::from(advance) * 1000.0 / units));
                }
            }
        }
        Self { glyphs }
    }
}

/// True if every face prints `c` (so text can move between faces without losing a letter).
pub fn covers(c: char) -> bool {
    Face::ALL.iter().all(|face| face.metrics().glyphs.contains_key(&c))
}

/// Width of `text` in points at `size` points (a character the face lacks counts as a space).
pub fn width(face: Face, size: f32, text: &str) -> f32 {
    let glyphs = &face.metrics().glyphs;
    let space = glyphs.get(&' ').map_or(500.0, |&(_, advance)| advance);
    let units: f32 = text
        .chars()
        .map(|c| glyphs.get(&c).map_or(space, |&(_, advance)| advance))
        .sum();
    units * size / 1000.0
}

/// The characters printed in each face of one document.
#[derive(Default)]
pub struct Usage(BTreeMap<Face, BTreeSet<char>>);

impl Usage {
    /// Notes that `text` is printed in `face`.
    pub fn record(&mut self, face: Face, text: &str) {
        self.0.entry(face).or_default().extend(text.chars());
    }

    /// Adds to `document` each face used, cut down to the glyphs it prints.
    pub fn embed(&self, document: &mut PdfDocument) {
        for (&face, chars) in &self.0 {
            let glyphs: BTreeSet<u16> = chars
                .iter()
                .filter_map(|c| face.metrics().glyphs.get(c).map(|&(glyph, _)| glyph))
                .collect();
            // The whole (already reduced) face if subsetting were ever to fail: larger, still right.
            let bytes = subset_of(face.bytes(), &glyphs).unwrap_or_else(|| face.bytes().to_vec());
            if let Some(parsed) = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()) {
                document
                    .resources
                    .fonts
                    .map
                    .insert(face.id(), printpdf::font::PdfFont::new(parsed));
            }
        }
    }
}

/// `bytes` cut down to `.notdef` and `glyphs`, with a Unicode cmap for them.
fn subset_of(bytes: &[u8], glyphs: &BTreeSet<u16>) -> Option<Vec<u8>> {
    let font = ReadScope::new(bytes).read::<FontData<'_>>().ok()?;
    let provider = font.table_provider(0).ok()?;
    let ids: Vec<u16> = std::iter::once(0)
        .chain(glyphs.iter().copied().filter(|&glyph| glyph != 0))
        .collect();
    subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_covers_latin_extended_greek_and_cyrillic_names() {
        for name in [
            "Łukasz Wójcik",
            "Antonín Dvořák",
            "Zeynep Çelik",
            "Ωμέγα Παπαδοπούλου",
            "Анна Кузнецова",
            "Emil Sørensen",
            "Zoë Ørsted-Šimić",
        ] {
            assert!(name.chars().all(covers), "{name}");
        }
        assert!(!covers('陈'));
        assert!(!covers('\t'));
    }

    #[test]
    fn mono_faces_are_monospaced_and_sans_is_proportional() {
        for face in [Face::Mono, Face::MonoBold] {
            assert!((width(face, 10.0, "iiii") - width(face, 10.0, "WWWW")).abs() < 0.01);
            assert!((width(face, 10.0, "0123456789") - 60.2).abs() < 0.5);
        }
        assert!(width(Face::Sans, 10.0, "iiii") < width(Face::Sans, 10.0, "WWWW"));
    }

    #[test]
    fn a_subset_keeps_only_the_glyphs_printed() {
        let glyphs: BTreeSet<u16> = "Łukasz".chars().map(|c| Face::Sans.metrics().glyphs[&c].0).collect();
        let small = subset_of(Face::Sans.bytes(), &glyphs).expect("subsets");
        assert!(small.len() * 5 < Face::Sans.bytes().len(), "{} bytes", small.len());
        let parsed = ParsedFont::from_bytes(&small, 0, &mut Vec::new()).expect("parses");
        assert!(parsed.lookup_glyph_index('Ł' as u32).is_some_and(|glyph| glyph != 0));
        assert!(parsed.lookup_glyph_index('Q' as u32).is_none_or(|glyph| glyph == 0));
    }
}
