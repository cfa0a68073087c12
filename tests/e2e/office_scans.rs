//! What office scanners and fax machines write: a batch PDF from the document feeder, a
//! multi-page TIFF, TIFF/WebP/BMP files, a fax's non-square pixels, a transparent PNG. Every
//! image here is made from the sealed sheets themselves (rendered in-process), like a scanner
//! would, and `verify` must prove the quorum from them.

use std::io::Cursor;

use breakglass::paper::scan::{pdf, qr};
use image::codecs::bmp::BmpEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
use tiff::encoder::{Rational, TiffEncoder, colortype};
use tiff::tags::ResolutionUnit;

use crate::support::{Sealed, external, pdf_file, seal, tool};

/// Resolution the sheets are "scanned" at.
const DPI: f32 = 200.0;

fn scanned(sealed: &Sealed, index: usize) -> GrayImage {
    let bytes = std::fs::read(sealed.sheet(index)).unwrap();
    pdf::rasterise(&bytes, DPI).unwrap().remove(0)
}

fn blank_like(page: &GrayImage) -> GrayImage {
    GrayImage::from_pixel(page.width(), page.height(), Luma([250]))
}

/// A PDF as a scanner's document feeder writes it: one JPEG image per page.
fn feeder_pdf(pages: &[GrayImage]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![Vec::new(), Vec::new()];
    let mut kids = Vec::new();
    for page in pages {
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 85)
            .write_image(page.as_raw(), page.width(), page.height(), ExtendedColorType::L8)
            .unwrap();
        let (width_pt, height_pt) = (page.width() as f32 * 72.0 / DPI, page.height() as f32 * 72.0 / DPI);
        let image_id = objects.len() + 1;
        let mut image = format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
            page.width(),
            page.height(),
            jpeg.len()
        )
        .into_bytes();
        image.extend_from_slice(&jpeg);
        image.extend_from_slice(b"\nendstream");
        objects.push(image);
        let content = format!("q {width_pt} 0 0 {height_pt} 0 0 cm /Im Do Q");
        objects.push(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes());
        let page_id = objects.len() + 1;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt} {height_pt}] /Contents {} 0 R /Resources << /XObject << /Im {image_id} 0 R >> >> >>",
                image_id + 1
            )
            .into_bytes(),
        );
        kids.push(format!("{page_id} 0 R"));
    }
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>".to_vec();
    objects[1] = format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).into_bytes();
    pdf_file(&objects)
}

/// A multi-page greyscale TIFF (LZW), each page with the given resolution (across, down).
fn tiff_pages(pages: &[GrayImage], resolution: (u32, u32)) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut encoder = TiffEncoder::new(&mut out)
        .unwrap()
        .with_compression(tiff::encoder::Compression::Lzw);
    for page in pages {
        let mut image = encoder
            .new_image::<colortype::Gray8>(page.width(), page.height())
            .unwrap();
        image.resolution_unit(ResolutionUnit::Inch);
        image.x_resolution(Rational { n: resolution.0, d: 1 });
        image.y_resolution(Rational { n: resolution.1, d: 1 });
        image.write_data(page.as_raw()).unwrap();
    }
    out.into_inner()
}

#[test]
fn a_feeder_batch_pdf_in_any_order_with_blank_backs_proves_the_quorum() {
    let sealed = seal(&[]);
    let (one, two, three) = (scanned(&sealed, 1), scanned(&sealed, 2), scanned(&sealed, 3));
    let blank = blank_like(&one);
    // Duplex scan of single-sided sheets, in the order the custodians handed them over.
    let batch = feeder_pdf(&[three, blank.clone(), one, blank.clone(), two, blank]);
    std::fs::write(sealed.path("batch.pdf"), batch).unwrap();
    let run = sealed.run(&["verify", "--manifest", "out/manifest.json", "batch.pdf"]);
    assert_eq!(run.code, 0, "{}", run.all());
    for page in [1, 3, 5] {
        assert!(
            run.stdout.contains(&format!("OK      batch.pdf, page {page}: share")),
            "page {page} reported on its own:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("VERIFIED"), "{}", run.stdout);
}

#[test]
fn a_multi_page_tiff_holding_k_sheets_proves_the_quorum() {
    let sealed = seal(&[]);
    let pages = [scanned(&sealed, 5), scanned(&sealed, 2), scanned(&sealed, 4)];
    std::fs::write(sealed.path("stack.tif"), tiff_pages(&pages, (200, 200))).unwrap();
    let run = sealed.run(&["verify", "--manifest", "out/manifest.json", "stack.tif"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("stack.tif, page 3: share 4 of 5"), "{}", run.stdout);
}

#[test]
fn tiff_webp_and_bmp_scans_verify() {
    let sealed = seal(&[]);
    std::fs::write(sealed.path("one.tif"), tiff_pages(&[scanned(&sealed, 1)], (200, 200))).unwrap();
    let two = scanned(&sealed, 2);
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(two.as_raw(), two.width(), two.height(), ExtendedColorType::L8)
        .unwrap();
    std::fs::write(sealed.path("two.webp"), webp).unwrap();
    let three = image::DynamicImage::ImageLuma8(scanned(&sealed, 3)).into_rgb8();
    let mut bmp = Vec::new();
    BmpEncoder::new(&mut bmp)
        .write_image(three.as_raw(), three.width(), three.height(), ExtendedColorType::Rgb8)
        .unwrap();
    std::fs::write(sealed.path("three.bmp"), bmp).unwrap();
    let run = sealed.run(&[
        "verify",
        "--manifest",
        "out/manifest.json",
        "one.tif",
        "two.webp",
        "three.bmp",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
}

/// A 200 x 100 dpi fax: every second row dropped, ink and paper only.
fn fax(page: &GrayImage) -> GrayImage {
    GrayImage::from_fn(page.width(), page.height() / 2, |x, y| {
        let average = (u16::from(page.get_pixel(x, 2 * y)[0]) + u16::from(page.get_pixel(x, 2 * y + 1)[0])) / 2;
        Luma([if average < 128 { 0 } else { 255 }])
    })
}

#[test]
fn faxes_with_non_square_pixels_read_from_metadata_or_their_shape() {
    let sealed = seal(&[]);
    let faxes: Vec<GrayImage> = (1..=3).map(|index| fax(&scanned(&sealed, index))).collect();
    // With the resolution in the file (200 x 100 dpi), as a fax TIFF has it.
    std::fs::write(sealed.path("fax.tif"), tiff_pages(&faxes, (200, 100))).unwrap();
    let run = sealed.run(&["verify", "--manifest", "out/manifest.json", "fax.tif"]);
    assert_eq!(run.code, 0, "{}", run.all());
    // Without it (a PNG), the squashed codes are found by their shape.
    faxes[0].save(sealed.path("fax.png")).unwrap();
    let run = sealed.run(&["verify", "fax.png"]);
    assert!(run.stdout.contains("SHARE 1 ok"), "{}", run.all());
}

/// A certificate sheet faxed at 204 x 98 dpi, saved as a PNG that forgets the resolution (as
/// ImageMagick's `+density` or a fax-to-mail gateway leaves it; tests/fixtures/README.md): the
/// shape pass read the three vault codes on the stretched page, but its one binariser missed the
/// share. The squared page is now read with every pass.
#[test]
fn a_certificate_fax_without_its_resolution_gives_every_code() {
    let sealed = seal(&[]);
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scans/fax-certificate-204x98-no-resolution.png");
    std::fs::copy(fixture, sealed.path("fax.png")).unwrap();
    let run = sealed.run(&["verify", "fax.png"]);
    assert!(run.stdout.starts_with("OK "), "the whole sheet: {}", run.all());
    assert!(run.stdout.contains("SHARE 1 ok"), "{}", run.all());
    // The advice is about the scan, not the sheet: "fading: reprint it" would send a custodian to
    // reprint a sound sheet.
    assert!(run.stdout.contains("pixels stretched square"), "{}", run.all());
    assert!(!run.stdout.contains("fading"), "{}", run.all());
}

#[test]
fn a_transparent_png_is_read_on_white_paper() {
    let sealed = seal(&[]);
    let page = scanned(&sealed, 1);
    // Black ink whose darkness is its opacity, over a fully transparent (RGB black) background.
    let rgba = image::RgbaImage::from_fn(page.width(), page.height(), |x, y| {
        image::Rgba([0, 0, 0, 255 - page.get_pixel(x, y)[0]])
    });
    rgba.save(sealed.path("transparent.png")).unwrap();
    let run = sealed.run(&["verify", "transparent.png"]);
    assert!(run.stdout.contains("SHARE 1 ok"), "{}", run.all());
}

/// TIFF layouts the `tiff` crate refuses, as libtiff writes them (through ImageMagick and
/// `tiffcp`): fax Group 3 (one- and two-dimensional), bits stored least-significant first,
/// palette pages, LZW tiles and grey with alpha. Each page must give both its codes.
#[test]
fn tiff_layouts_from_fax_software_and_scanners_verify() {
    let (Some(convert), Some(tiffcp)) = (tool("convert"), tool("tiffcp")) else {
        return;
    };
    let sealed = seal(&["--threshold", "2", "--custodian", "Ana", "--custodian", "Ben"]);
    scanned(&sealed, 1).save(sealed.path("ana.png")).unwrap();
    let bilevel = ["-threshold", "50%", "-monochrome"];
    let layouts: [(&str, Vec<&str>); 6] = [
        ("g3-1d", [&bilevel[..], &["-compress", "Fax"]].concat()),
        (
            "g3-lsb",
            [&bilevel[..], &["-compress", "Fax", "-define", "tiff:fill-order=lsb"]].concat(),
        ),
        (
            "g4-lsb",
            [&bilevel[..], &["-compress", "Group4", "-define", "tiff:fill-order=lsb"]].concat(),
        ),
        ("palette", vec!["-colors", "16", "-type", "Palette", "-compress", "LZW"]),
        (
            "tiles",
            vec!["-define", "tiff:tile-geometry=256x256", "-compress", "LZW"],
        ),
        ("grey-alpha", vec!["-alpha", "on", "-compress", "LZW"]),
    ];
    for (name, options) in layouts {
        let file = format!("{name}.tif");
        let mut args = vec!["ana.png"];
        args.extend(options);
        args.push(&file);
        external(&convert, &args, sealed.dir.path());
    }
    // ImageMagick writes Group 3 one-dimensional only; libtiff's own copier writes 2D.
    external(
        &tiffcp,
        &["-c", "g3:2d:fill", "g3-1d.tif", "g3-2d.tif"],
        sealed.dir.path(),
    );
    external(
        &tiffcp,
        &["-f", "lsb2msb", "-c", "g3:2d", "g3-1d.tif", "g3-2d-lsb.tif"],
        sealed.dir.path(),
    );
    for name in [
        "g3-1d",
        "g3-lsb",
        "g4-lsb",
        "palette",
        "tiles",
        "grey-alpha",
        "g3-2d",
        "g3-2d-lsb",
    ] {
        let file = format!("{name}.tif");
        let run = sealed.run(&["verify", "--manifest", "out/manifest.json", &file]);
        assert!(
            run.stdout.contains("SHARE 1 ok (QR), VAULT 1/1 ok (QR)"),
            "{name}: {}",
            run.all()
        );
    }
}

/// A sheet scanned at 1200 dpi (139 million pixels, past the image limit) as PNG, JPEG and TIFF:
/// each is shrunk as it is decoded instead of being refused. (The renderer itself stops short of 1200
/// dpi, so each pixel of a 300 dpi rendering becomes 4 x 4.)
#[test]
fn scans_at_1200_dpi_are_shrunk_as_they_are_decoded() {
    let sealed = seal(&["--threshold", "3"]);
    let pages: Vec<GrayImage> = (1..=3)
        .map(|index| {
            let bytes = std::fs::read(sealed.sheet(index)).unwrap();
            qr::stretch(&pdf::rasterise(&bytes, 300.0).unwrap().remove(0), 4, 4)
        })
        .collect();
    assert!(u64::from(pages[0].width()) * u64::from(pages[0].height()) > 130_000_000);
    pages[0].save(sealed.path("one.png")).unwrap();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 80)
        .write_image(
            pages[1].as_raw(),
            pages[1].width(),
            pages[1].height(),
            ExtendedColorType::L8,
        )
        .unwrap();
    std::fs::write(sealed.path("two.jpg"), jpeg).unwrap();
    std::fs::write(sealed.path("three.tif"), tiff_pages(&pages[2..], (1200, 1200))).unwrap();
    drop(pages);
    let run = sealed.run(&[
        "verify",
        "--manifest",
        "out/manifest.json",
        "one.png",
        "two.jpg",
        "three.tif",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
}

/// An "old-style" JPEG TIFF (compression 6, as scanners of the 1990s wrote it): the page is a
/// whole JPEG that the JPEGInterchangeFormat tag points at.
fn old_style_jpeg_tiff(page: &GrayImage) -> Vec<u8> {
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 85)
        .write_image(page.as_raw(), page.width(), page.height(), ExtendedColorType::L8)
        .unwrap();
    // (tag, type: 3 SHORT or 4 LONG, value); offsets 0 are the JPEG's, after the directory.
    let tags: [(u16, u16, u32); 11] = [
        (256, 4, page.width()),
        (257, 4, page.height()),
        (258, 3, 8),
        (259, 3, 6),
        (262, 3, 1),
        (273, 4, 0),
        (277, 3, 1),
        (278, 4, page.height()),
        (279, 4, jpeg.len() as u32),
        (513, 4, 0),
        (514, 4, jpeg.len() as u32),
    ];
    let data_at = (8 + 2 + tags.len() * 12 + 4) as u32;
    let mut file = b"II*\0".to_vec();
    file.extend(8u32.to_le_bytes());
    file.extend((tags.len() as u16).to_le_bytes());
    for (tag, kind, value) in tags {
        let value = if matches!(tag, 273 | 513) { data_at } else { value };
        file.extend(tag.to_le_bytes());
        file.extend(kind.to_le_bytes());
        file.extend(1u32.to_le_bytes());
        if kind == 3 {
            file.extend((value as u16).to_le_bytes());
            file.extend(0u16.to_le_bytes());
        } else {
            file.extend(value.to_le_bytes());
        }
    }
    file.extend(0u32.to_le_bytes());
    file.extend(jpeg);
    file
}

#[test]
fn an_old_style_jpeg_tiff_verifies() {
    let sealed = seal(&["--threshold", "2", "--custodian", "Ana", "--custodian", "Ben"]);
    std::fs::write(sealed.path("old.tif"), old_style_jpeg_tiff(&scanned(&sealed, 1))).unwrap();
    let run = sealed.run(&["verify", "--manifest", "out/manifest.json", "old.tif"]);
    assert!(
        run.stdout.contains("SHARE 1 ok (QR), VAULT 1/1 ok (QR)"),
        "{}",
        run.all()
    );
}
