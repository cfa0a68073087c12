//! TIFF pages the `tiff` crate refuses, decoded here from their strips or tiles.
//!
//! Fax software and older scanners write CCITT Group 3 (modified Huffman, T.4 one- and
//! two-dimensional), some store their bits least-significant first (FillOrder 2), scanners
//! set to "colour, small file" write palette pages of 1 to 8 bits, and LZW tiles do not end
//! where the `tiff` crate expects. Such a page is read here: its chunks are sliced from the file
//! (bounds checked), decompressed (CCITT with `hayro-ccitt`, already in the tree through the PDF
//! renderer; LZW with `weezl`; Deflate with `flate2`; PackBits), and turned into grey levels.
//! The output is the page's own size, checked against the image limits before it is allocated,
//! and every chunk's decompressed size is capped at what the page can hold.

use std::io::{Cursor, Read};

use hayro_ccitt::{DecodeSettings, DecoderContext, EncodingMode};
use image::GrayImage;
use tiff::decoder::Decoder as TiffDecoder;
use tiff::tags::Tag;

use super::ScanError;
use super::qr::PageImage;
#[cfg(test)]
use super::raster::luma;
use super::raster::{composite_on_white, from_samples, shrink_factor};

const NONE: u16 = 1;
const CCITT_RLE: u16 = 2;
const CCITT_T4: u16 = 3;
const CCITT_T6: u16 = 4;
const LZW: u16 = 5;
const DEFLATE: u16 = 8;
const DEFLATE_OLD: u16 = 32946;
const PACKBITS: u16 = 32773;

const WHITE_IS_ZERO: u16 = 0;
const BLACK_IS_ZERO: u16 = 1;
const RGB: u16 = 2;
const PALETTE: u16 = 3;

/// The T4Options tag (Group 3 settings): bit 0 two-dimensional, bit 1 uncompressed mode, bit 2
/// rows padded to whole bytes.
const T4_OPTIONS: u16 = 292;

type Tiff<'a> = TiffDecoder<Cursor<&'a [u8]>>;

fn bad(reason: &str) -> ScanError {
    ScanError::BadImage(format!("TIFF: {reason}"))
}

fn tag_error(error: tiff::TiffError) -> ScanError {
    bad(&error.to_string())
}

fn unsigned(decoder: &mut Tiff<'_>, tag: Tag) -> Result<Option<u64>, ScanError> {
    decoder.find_tag_unsigned::<u64>(tag).map_err(tag_error)
}

fn unsigned_list(decoder: &mut Tiff<'_>, tag: Tag) -> Result<Option<Vec<u64>>, ScanError> {
    decoder.find_tag_unsigned_vec::<u64>(tag).map_err(tag_error)
}

/// How the current page of `decoder` is stored, as far as this module cares.
#[derive(Debug)]
pub(super) struct Layout {
    width: usize,
    height: usize,
    compression: u16,
    photometric: u16,
    bits: u8,
    samples: usize,
    /// Extra samples (after grey or RGB) whose first is alpha.
    alpha: bool,
    lsb_first: bool,
    horizontal_predictor: bool,
    t4_options: u64,
    /// 3 x 2^bits entries (red, then green, then blue), for palette pages.
    palette: Vec<u16>,
    /// Width and height of a chunk (a strip is the page's width).
    chunk: (usize, usize),
    tiled: bool,
    /// Offset and length of every chunk.
    chunks: Vec<(u64, u64)>,
}

impl Layout {
    /// Reads the tags of the current page.
    pub(super) fn read(decoder: &mut Tiff<'_>) -> Result<Self, ScanError> {
        let (width, height) = decoder.dimensions().map_err(tag_error)?;
        shrink_factor(width, height)?;
        let small = |value: Option<u64>, default: u64| u16::try_from(value.unwrap_or(default)).unwrap_or(u16::MAX);
        let compression = small(unsigned(decoder, Tag::Compression)?, 1);
        let photometric = small(unsigned(decoder, Tag::PhotometricInterpretation)?, 0);
        let bits_list = unsigned_list(decoder, Tag::BitsPerSample)?.unwrap_or_else(|| vec![1]);
        let bits = u8::try_from(*bits_list.first().unwrap_or(&1)).unwrap_or(u8::MAX);
        let samples = unsigned(decoder, Tag::SamplesPerPixel)?.unwrap_or(1).clamp(1, 16) as usize;
        let alpha = unsigned_list(decoder, Tag::ExtraSamples)?
            .and_then(|extra| extra.first().copied())
            .is_some_and(|kind| kind == 1 || kind == 2);
        let lsb_first = unsigned(decoder, Tag::FillOrder)? == Some(2);
        let horizontal_predictor = unsigned(decoder, Tag::Predictor)? == Some(2);
        let t4_options = unsigned(decoder, Tag::Unknown(T4_OPTIONS))?.unwrap_or(0);
        let palette = if photometric == PALETTE {
            unsigned_list(decoder, Tag::ColorMap)?
                .unwrap_or_default()
                .into_iter()
                .map(|value| u16::try_from(value).unwrap_or(u16::MAX))
                .collect()
        } else {
            Vec::new()
        };
        let (w, h) = (width as usize, height as usize);
        let tiled = unsigned(decoder, Tag::TileWidth)?.is_some();
        let (chunk, offsets, counts) = if tiled {
            let tile_width = unsigned(decoder, Tag::TileWidth)?.unwrap_or(0) as usize;
            let tile_length = unsigned(decoder, Tag::TileLength)?.unwrap_or(0) as usize;
            (
                (tile_width, tile_length),
                unsigned_list(decoder, Tag::TileOffsets)?,
                unsigned_list(decoder, Tag::TileByteCounts)?,
            )
        } else {
            let rows = unsigned(decoder, Tag::RowsPerStrip)?.unwrap_or(h as u64).min(h as u64) as usize;
            (
                (w, rows),
                unsigned_list(decoder, Tag::StripOffsets)?,
                unsigned_list(decoder, Tag::StripByteCounts)?,
            )
        };
        let (Some(offsets), Some(counts)) = (offsets, counts) else {
            return Err(bad("a page has no strip or tile offsets"));
        };
        if chunk.0 == 0 || chunk.1 == 0 || chunk.0 > 65_536 || chunk.1 > 65_536 {
            return Err(bad("a page's strips or tiles have no size"));
        }
        Ok(Self {
            width: w,
            height: h,
            compression,
            photometric,
            bits,
            samples,
            alpha,
            lsb_first,
            horizontal_predictor,
            t4_options,
            palette,
            chunk,
            tiled,
            chunks: offsets.into_iter().zip(counts).collect(),
        })
    }

    /// True when the `tiff` crate cannot read this page and this module can.
    pub(super) fn needs_own_decoder(&self) -> bool {
        let ccitt_g3 = matches!(self.compression, CCITT_RLE | CCITT_T4);
        let lzw_tiles = self.tiled && self.compression == LZW;
        let palette = self.photometric == PALETTE;
        let grey_alpha = matches!(self.photometric, WHITE_IS_ZERO | BLACK_IS_ZERO) && self.samples == 2;
        (ccitt_g3 || self.lsb_first || lzw_tiles || palette || grey_alpha) && self.supported().is_ok()
    }

    /// Why this module cannot read the page, if it cannot.
    fn supported(&self) -> Result<(), ScanError> {
        let colour_ok = match self.photometric {
            WHITE_IS_ZERO | BLACK_IS_ZERO => matches!(self.bits, 1 | 2 | 4 | 8) && self.samples <= 2,
            PALETTE => matches!(self.bits, 1 | 2 | 4 | 8) && self.samples == 1 && self.palette.len() == 3 << self.bits,
            RGB => self.bits == 8 && (3..=4).contains(&self.samples),
            _ => false,
        };
        if !colour_ok {
            return Err(bad(&format!(
                "photometric {} with {} samples of {} bits",
                self.photometric, self.samples, self.bits
            )));
        }
        if self.horizontal_predictor && self.bits != 8 {
            return Err(bad("a predictor on samples that are not 8 bits"));
        }
        match self.compression {
            CCITT_RLE | CCITT_T4 | CCITT_T6 if self.bits != 1 || self.samples != 1 => {
                Err(bad("a CCITT page that is not black and white"))
            }
            CCITT_T4 if self.t4_options & 2 != 0 => Err(bad("Group 3 uncompressed mode")),
            NONE | CCITT_RLE | CCITT_T4 | CCITT_T6 | LZW | DEFLATE | DEFLATE_OLD | PACKBITS => Ok(()),
            other => Err(bad(&format!("compression {other} with this layout"))),
        }
    }

    fn row_bytes(&self, width: usize) -> usize {
        (width * self.samples * usize::from(self.bits)).div_ceil(8)
    }

    /// Decodes the page.
    pub(super) fn decode(&self, file: &[u8]) -> Result<PageImage, ScanError> {
        self.supported()?;
        let (chunk_width, chunk_height) = self.chunk;
        let across = self.width.div_ceil(chunk_width);
        let down = self.height.div_ceil(chunk_height);
        if self.chunks.len() < across * down {
            return Err(bad("a page has fewer strips or tiles than its size needs"));
        }
        let page_row = self.row_bytes(self.width);
        let mut page = vec![0u8; page_row * self.height];
        let chunk_row = self.row_bytes(chunk_width);
        for (index, &(offset, length)) in self.chunks.iter().take(across * down).enumerate() {
            let (column, row) = (index % across, index / across);
            let top = row * chunk_height;
            let rows = chunk_height.min(self.height - top);
            let start = usize::try_from(offset).map_err(|_| bad("a strip lies outside the file"))?;
            let end = start
                .checked_add(usize::try_from(length).map_err(|_| bad("a strip lies outside the file"))?)
                .filter(|end| *end <= file.len())
                .ok_or_else(|| bad("a strip lies outside the file"))?;
            let mut raw = file[start..end].to_vec();
            if self.lsb_first {
                raw.iter_mut().for_each(|byte| *byte = byte.reverse_bits());
            }
            // A tile holds whole tile rows even at the page's edge; a strip only its rows.
            let stored_rows = if self.tiled { chunk_height } else { rows };
            let mut data = self.decompress(&raw, chunk_width, stored_rows, chunk_row * stored_rows)?;
            data.resize(chunk_row * stored_rows, 0);
            if self.horizontal_predictor {
                self.undo_predictor(&mut data, chunk_row);
            }
            let left_bits = column * chunk_width * self.samples * usize::from(self.bits);
            let width_bits = chunk_width.min(self.width - column * chunk_width) * self.samples * usize::from(self.bits);
            for y in 0..rows {
                let source = &data[y * chunk_row..][..chunk_row];
                let target = &mut page[(top + y) * page_row..][..page_row];
                copy_bits(source, target, left_bits, width_bits);
            }
        }
        Ok(self.to_page(&page, page_row))
    }

    fn decompress(&self, raw: &[u8], width: usize, rows: usize, expected: usize) -> Result<Vec<u8>, ScanError> {
        match self.compression {
            NONE => Ok(raw[..raw.len().min(expected)].to_vec()),
            PACKBITS => Ok(unpack_bits(raw, expected)),
            LZW => {
                let mut decoder = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
                let mut out = vec![0u8; expected];
                let (mut read, mut written) = (0, 0);
                // A chunk may end without its end code; what decoded is kept.
                while written < expected {
                    let result = decoder.decode_bytes(&raw[read..], &mut out[written..]);
                    read += result.consumed_in;
                    written += result.consumed_out;
                    match result.status {
                        Ok(weezl::LzwStatus::Ok) if result.consumed_in + result.consumed_out > 0 => {}
                        Ok(_) => break,
                        Err(error) => return Err(bad(&format!("LZW: {error}"))),
                    }
                }
                out.truncate(written);
                Ok(out)
            }
            DEFLATE | DEFLATE_OLD => {
                let mut out = Vec::with_capacity(expected);
                flate2::read::ZlibDecoder::new(raw)
                    .take(expected as u64)
                    .read_to_end(&mut out)
                    .map_err(|error| bad(&format!("Deflate: {error}")))?;
                Ok(out)
            }
            _ => self.decode_ccitt(raw, width, rows),
        }
    }

    /// A CCITT chunk as packed bits, 1 = black (the photometric is applied later, the way
    /// libtiff leaves it to the reader).
    fn decode_ccitt(&self, raw: &[u8], width: usize, rows: usize) -> Result<Vec<u8>, ScanError> {
        let encoding = match self.compression {
            CCITT_T6 => EncodingMode::Group4,
            CCITT_T4 if self.t4_options & 1 != 0 => EncodingMode::Group3_2D,
            _ => EncodingMode::Group3_1D,
        };
        let settings = DecodeSettings {
            columns: width as u32,
            rows: rows as u32,
            end_of_block: self.compression != CCITT_RLE,
            end_of_line: self.compression == CCITT_T4,
            rows_are_byte_aligned: self.compression == CCITT_RLE || self.t4_options & 4 != 0,
            encoding,
            strict: false,
        };
        let row_bytes = width.div_ceil(8);
        let mut sink = PackedRows {
            rows: Vec::with_capacity(row_bytes * rows),
            row_bytes,
            limit: rows,
        };
        let mut context = DecoderContext::new(settings);
        let result = hayro_ccitt::decode(raw, &mut sink, &mut context);
        // A damaged tail still leaves the rows above it; a chunk with none is an error.
        if let Err(error) = result
            && sink.rows.is_empty()
        {
            return Err(bad(&format!("CCITT: {error}")));
        }
        Ok(sink.rows)
    }

    fn undo_predictor(&self, data: &mut [u8], row_bytes: usize) {
        let step = self.samples;
        for row in data.chunks_mut(row_bytes) {
            for index in step..row.len() {
                row[index] = row[index].wrapping_add(row[index - step]);
            }
        }
    }

    /// Grey levels of the packed page.
    fn to_page(&self, page: &[u8], row_bytes: usize) -> PageImage {
        let bits = usize::from(self.bits);
        let sample = |row: &[u8], index: usize| -> u8 {
            match bits {
                8 => row[index],
                _ => {
                    let bit = index * bits;
                    let value = (row[bit / 8] >> (8 - bits - bit % 8)) & ((1u8 << bits) - 1);
                    (u32::from(value) * 255 / ((1u32 << bits) - 1)) as u8
                }
            }
        };
        let (w, h) = (self.width, self.height);
        match self.photometric {
            PALETTE => {
                let entries = 1usize << bits;
                let mut rgb = Vec::with_capacity(w * h * 3);
                for row in page.chunks(row_bytes).take(h) {
                    for x in 0..w {
                        let bit = x * bits;
                        let index = if bits == 8 {
                            usize::from(row[x])
                        } else {
                            usize::from((row[bit / 8] >> (8 - bits - bit % 8)) & ((1u8 << bits) - 1))
                        };
                        rgb.extend((0..3).map(|channel| (self.palette[channel * entries + index] >> 8) as u8));
                    }
                }
                from_samples(w as u32, h as u32, &rgb, 3)
            }
            RGB => {
                let mut rgba = Vec::with_capacity(w * h * 4);
                for row in page.chunks(row_bytes).take(h) {
                    for pixel in row.chunks(self.samples).take(w) {
                        let alpha = if self.alpha && self.samples > 3 { pixel[3] } else { 255 };
                        rgba.extend([pixel[0], pixel[1], pixel[2], alpha]);
                    }
                }
                from_samples(w as u32, h as u32, &rgba, 4)
            }
            _ => {
                // CCITT rows come out as bits too (1 for a black run, as libtiff gives them), so
                // the photometric says what they mean for every compression.
                let invert = self.photometric == WHITE_IS_ZERO;
                let step = self.samples;
                let mut gray = Vec::with_capacity(w * h);
                for row in page.chunks(row_bytes).take(h) {
                    for x in 0..w {
                        let level = sample(row, x * step);
                        let level = if invert { 255 - level } else { level };
                        let level = if self.alpha && step == 2 {
                            composite_on_white(level, sample(row, x * step + 1))
                        } else {
                            level
                        };
                        gray.push(level);
                    }
                }
                PageImage::from(GrayImage::from_raw(w as u32, h as u32, gray).expect("width x height pixels"))
            }
        }
    }
}

/// Rows of a CCITT chunk packed 8 pixels a byte, 1 = black.
struct PackedRows {
    rows: Vec<u8>,
    row_bytes: usize,
    limit: usize,
}

impl hayro_ccitt::Decoder for PackedRows {
    fn push_row(&mut self, changes: &[u32]) {
        if self.rows.len() >= self.limit * self.row_bytes {
            return;
        }
        let start = self.rows.len();
        self.rows.resize(start + self.row_bytes, 0);
        let row = &mut self.rows[start..];
        let columns = self.row_bytes * 8;
        for pair in changes.chunks(2) {
            let from = pair[0] as usize;
            let to = pair.get(1).map_or(columns, |end| *end as usize).min(columns);
            for x in from.min(to)..to {
                row[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
}

/// PackBits (Apple run-length) decoding, stopping at `limit` bytes.
fn unpack_bits(raw: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(limit);
    let mut at = 0;
    while at < raw.len() && out.len() < limit {
        let header = raw[at] as i8;
        at += 1;
        if header >= 0 {
            let count = header as usize + 1;
            let end = (at + count).min(raw.len());
            out.extend_from_slice(&raw[at..end]);
            at = end;
        } else if header != -128 {
            let count = 1 - header as isize;
            if let Some(&byte) = raw.get(at) {
                out.extend(std::iter::repeat_n(byte, count as usize));
            }
            at += 1;
        }
    }
    out.truncate(limit);
    out
}

/// Copies `width_bits` bits from the start of `source` into `target` at bit `left_bits`.
fn copy_bits(source: &[u8], target: &mut [u8], left_bits: usize, width_bits: usize) {
    if left_bits.is_multiple_of(8) && width_bits.is_multiple_of(8) {
        let (from, length) = (left_bits / 8, width_bits / 8);
        target[from..from + length].copy_from_slice(&source[..length]);
        return;
    }
    for bit in 0..width_bits {
        let value = source[bit / 8] & (0x80 >> (bit % 8));
        let at = left_bits + bit;
        if value != 0 {
            target[at / 8] |= 0x80 >> (at % 8);
        } else {
            target[at / 8] &= !(0x80 >> (at % 8));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF of one page: `tags` (number, value; all LONG) and `data` stored
    /// after the directory, whose offset is what the StripOffsets value 0 is replaced by.
    fn tiff(tags: &[(u16, u32)], data: &[u8]) -> Vec<u8> {
        let mut tags = tags.to_vec();
        tags.sort_by_key(|(tag, _)| *tag);
        let data_at = 8 + 2 + tags.len() * 12 + 4;
        let mut file = b"II*\0".to_vec();
        file.extend(8u32.to_le_bytes());
        file.extend((tags.len() as u16).to_le_bytes());
        for (tag, value) in tags {
            let value = if tag == 273 && value == 0 {
                data_at as u32
            } else {
                value
            };
            file.extend(tag.to_le_bytes());
            file.extend(4u16.to_le_bytes());
            file.extend(1u32.to_le_bytes());
            file.extend(value.to_le_bytes());
        }
        file.extend(0u32.to_le_bytes());
        file.extend_from_slice(data);
        file
    }

    fn page(file: &[u8]) -> Result<PageImage, ScanError> {
        let mut decoder = TiffDecoder::new(Cursor::new(file)).unwrap();
        let layout = Layout::read(&mut decoder)?;
        assert!(layout.needs_own_decoder(), "{layout:?}");
        layout.decode(file)
    }

    /// An 16 x 2 black-and-white page, one strip, bits stored least-significant first.
    fn lsb_first_page(data: &[u8], strip_offset: u32) -> Vec<u8> {
        tiff(
            &[
                (256, 16),
                (257, 2),
                (258, 1),
                (259, u32::from(NONE)),
                (262, u32::from(WHITE_IS_ZERO)),
                (266, 2),
                (273, strip_offset),
                (277, 1),
                (278, 2),
                (279, data.len() as u32),
            ],
            data,
        )
    }

    #[test]
    fn bits_stored_least_significant_first_are_turned_round() {
        // Row 1: the leftmost pixel black (bit 0 of the first byte, white-is-zero); row 2: the
        // rightmost.
        let page = page(&lsb_first_page(&[0x01, 0x00, 0x00, 0x80], 0)).unwrap();
        let gray = page.gray;
        assert_eq!(gray.get_pixel(0, 0)[0], 0);
        assert!((1..16).all(|x| gray.get_pixel(x, 0)[0] == 255));
        assert_eq!(gray.get_pixel(15, 1)[0], 0);
        assert!((0..15).all(|x| gray.get_pixel(x, 1)[0] == 255));
    }

    #[test]
    fn a_strip_outside_the_file_is_an_error_not_a_panic() {
        let file = lsb_first_page(&[0; 4], 1_000_000);
        assert!(matches!(page(&file), Err(ScanError::BadImage(_))));
    }

    #[test]
    fn a_palette_page_is_read_through_its_colour_map() {
        // 4 x 1 pixels of 2 bits: indexes 0 1 2 3; the map makes 0 black, 3 white, 1 and 2 red
        // and blue (the colour map is 3 x 4 SHORT values).
        let mut file = tiff(
            &[
                (256, 4),
                (257, 1),
                (258, 2),
                (259, u32::from(PACKBITS)),
                (262, u32::from(PALETTE)),
                (273, 0),
                (277, 1),
                (278, 1),
                (279, 2),
                (320, 0),
            ],
            &[0x00, 0b0001_1011],
        );
        // Point ColorMap (320, the last entry) at a SHORT array appended to the file.
        let map_at = file.len() as u32;
        let map: [u16; 12] = [0, 65535, 0, 65535, 0, 0, 0, 65535, 0, 0, 65535, 65535];
        map.iter().for_each(|value| file.extend(value.to_le_bytes()));
        let entry = 8 + 2 + 9 * 12;
        file[entry + 2..entry + 4].copy_from_slice(&3u16.to_le_bytes());
        file[entry + 4..entry + 8].copy_from_slice(&12u32.to_le_bytes());
        file[entry + 8..entry + 12].copy_from_slice(&map_at.to_le_bytes());
        let page = page(&file).unwrap();
        assert_eq!(page.gray.as_raw()[..], [0, luma(255, 0, 0), luma(0, 0, 255), 255]);
        assert_eq!(page.brightest.unwrap().as_raw()[..], [0, 255, 255, 255]);
    }

    #[test]
    fn packbits_runs_stop_at_the_limit() {
        assert_eq!(
            unpack_bits(&[2, 1, 2, 3, 0xFE, 9, 0x80, 0, 7], 100),
            [1, 2, 3, 9, 9, 9, 7]
        );
        assert_eq!(unpack_bits(&[0x81, 5], 10), [5; 10]);
    }
}
