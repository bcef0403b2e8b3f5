//! The PNG codec of QR images: writes 8-bit grayscale or RGB (one zlib IDAT of filter-0 rows)
//! and reads a logo of any standard PNG into RGB over white. Hand-written on `flate2` and
//! `crc32fast` because the `png` crate would add a second `miniz_oxide` to the build.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

/// The 8 bytes every PNG starts with.
pub(super) const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// The widest and tallest logo read; larger ones are refused rather than decompressed.
pub(super) const MAX_LOGO_SIDE: u32 = 2048;
/// The Adam7 passes: first column, first row, column step, row step.
const ADAM7: [(usize, usize, usize, usize); 7] = [
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
];

/// How the pixels given to [`encode`] are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Colour {
    /// One byte per pixel.
    Gray,
    /// Three bytes per pixel.
    Rgb,
}

/// An image read by [`decode`]: RGB, row by row, transparency composited over white.
#[derive(Debug)]
pub(super) struct Rgb {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

/// A PNG of `pixels` (`width * height` of `colour`, row by row).
pub(super) fn encode(
    width: u32,
    height: u32,
    colour: Colour,
    pixels: &[u8],
) -> std::io::Result<Vec<u8>> {
    let (colour_type, channels) = match colour {
        Colour::Gray => (0u8, 1usize),
        Colour::Rgb => (2u8, 3usize),
    };
    let row = width as usize * channels;
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    for line in pixels.chunks(row.max(1)).take(height as usize) {
        z.write_all(&[0])?;
        z.write_all(line)?;
    }
    let idat = z.finish()?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, colour_type, 0, 0, 0]);
    let mut out = Vec::with_capacity(idat.len() + 64);
    out.extend_from_slice(&SIGNATURE);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // Chunks written here are far below 2^31 bytes: the image side is capped by the caller.
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// The chunks of a PNG as (type, data), each CRC checked; `None` when the bytes are not a
/// well-formed chunk sequence after the signature.
pub(super) fn chunks(bytes: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut rest = bytes.strip_prefix(&SIGNATURE)?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        let crc = u32::from_be_bytes(rest.get(8 + len..12 + len)?.try_into().ok()?);
        let mut h = crc32fast::Hasher::new();
        h.update(&kind);
        h.update(data);
        if h.finalize() != crc {
            return None;
        }
        out.push((kind, data));
        rest = &rest[12 + len..];
        if &kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

/// The header fields [`decode`] needs.
struct Header {
    width: usize,
    height: usize,
    depth: u8,
    colour_type: u8,
    interlaced: bool,
}

impl Header {
    fn parse(data: &[u8]) -> Option<Header> {
        if data.len() != 13 {
            return None;
        }
        let width = u32::from_be_bytes(data[0..4].try_into().ok()?);
        let height = u32::from_be_bytes(data[4..8].try_into().ok()?);
        let (depth, colour_type) = (data[8], data[9]);
        let valid_depth = match colour_type {
            0 => [1, 2, 4, 8, 16].contains(&depth),
            3 => [1, 2, 4, 8].contains(&depth),
            2 | 4 | 6 => [8, 16].contains(&depth),
            _ => false,
        };
        let sized = (1..=MAX_LOGO_SIDE).contains(&width) && (1..=MAX_LOGO_SIDE).contains(&height);
        if !valid_depth || !sized || data[10] != 0 || data[11] != 0 || data[12] > 1 {
            return None;
        }
        Some(Header {
            width: width as usize,
            height: height as usize,
            depth,
            colour_type,
            interlaced: data[12] == 1,
        })
    }

    fn channels(&self) -> usize {
        match self.colour_type {
            2 => 3,
            4 => 2,
            6 => 4,
            _ => 1,
        }
    }

    fn bits_per_pixel(&self) -> usize {
        self.channels() * self.depth as usize
    }

    /// Bytes of one row of `width` pixels, without its filter byte.
    fn row_bytes(&self, width: usize) -> usize {
        (width * self.bits_per_pixel()).div_ceil(8)
    }

    /// The passes as (first column, first row, column step, row step, columns, rows).
    fn passes(&self) -> Vec<(usize, usize, usize, usize, usize, usize)> {
        let all: &[_] = if self.interlaced {
            &ADAM7
        } else {
            &[(0, 0, 1, 1)]
        };
        all.iter()
            .map(|&(x0, y0, dx, dy)| {
                let cols = self.width.saturating_sub(x0).div_ceil(dx);
                let rows = self.height.saturating_sub(y0).div_ceil(dy);
                (x0, y0, dx, dy, cols, rows)
            })
            .filter(|p| p.4 > 0 && p.5 > 0)
            .collect()
    }
}

/// Reads a PNG (any colour type and bit depth, interlaced or not, sides up to
/// [`MAX_LOGO_SIDE`]) into RGB over white; `None` when it is not such a PNG.
pub(super) fn decode(bytes: &[u8]) -> Option<Rgb> {
    let chunks = chunks(bytes)?;
    let (first, _) = chunks.first()?;
    if first != b"IHDR" || chunks.last().map(|c| &c.0) != Some(b"IEND") {
        return None;
    }
    let h = Header::parse(chunks[0].1)?;
    let mut palette: Vec<[u8; 4]> = Vec::new();
    let mut idat = Vec::new();
    for (kind, data) in &chunks {
        match kind {
            b"PLTE" => {
                palette = data
                    .chunks_exact(3)
                    .map(|c| [c[0], c[1], c[2], 255])
                    .collect();
            }
            b"tRNS" if h.colour_type == 3 => {
                for (entry, &alpha) in palette.iter_mut().zip(data.iter()) {
                    entry[3] = alpha;
                }
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
    }
    if h.colour_type == 3 && palette.is_empty() {
        return None;
    }
    let passes = h.passes();
    let expected: usize = passes.iter().map(|p| p.5 * (1 + h.row_bytes(p.4))).sum();
    let mut raw = Vec::with_capacity(expected);
    ZlibDecoder::new(idat.as_slice())
        .take(expected as u64)
        .read_to_end(&mut raw)
        .ok()?;
    if raw.len() != expected {
        return None;
    }
    let mut pixels = vec![255u8; h.width * h.height * 3];
    let mut at = 0;
    for (x0, y0, dx, dy, cols, rows) in passes {
        let len = h.row_bytes(cols);
        let mut previous = vec![0u8; len];
        for r in 0..rows {
            let filter = raw[at];
            let mut line = raw[at + 1..at + 1 + len].to_vec();
            at += 1 + len;
            unfilter(filter, &mut line, &previous, h.bits_per_pixel().div_ceil(8))?;
            for c in 0..cols {
                let [red, green, blue, alpha] = pixel(&h, &line, c, &palette)?;
                let o = ((y0 + r * dy) * h.width + x0 + c * dx) * 3;
                for (i, v) in [red, green, blue].into_iter().enumerate() {
                    pixels[o + i] = over_white(v, alpha);
                }
            }
            previous = line;
        }
    }
    Some(Rgb {
        width: h.width,
        height: h.height,
        pixels,
    })
}

/// Undoes a row's filter in place, `bpp` bytes per complete pixel (at least 1).
fn unfilter(filter: u8, line: &mut [u8], prev: &[u8], bpp: usize) -> Option<()> {
    for i in 0..line.len() {
        let a = if i >= bpp { line[i - bpp] } else { 0 };
        let b = prev[i];
        let c = if i >= bpp { prev[i - bpp] } else { 0 };
        let predicted = match filter {
            0 => 0,
            1 => a,
            2 => b,
            3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
            4 => paeth(a, b, c),
            _ => return None,
        };
        line[i] = line[i].wrapping_add(predicted);
    }
    Some(())
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Sample `n` of an unfiltered row, scaled to 8 bits (16-bit samples keep their high byte).
fn sample(h: &Header, line: &[u8], n: usize) -> u8 {
    match h.depth {
        8 => line[n],
        16 => line[2 * n],
        bits => {
            let bits = bits as usize;
            let shift = 8 - bits - (n * bits) % 8;
            let max = (1u16 << bits) - 1;
            let v = u16::from(line[n * bits / 8] >> shift) & max;
            if h.colour_type == 3 {
                v as u8
            } else {
                (v * 255 / max) as u8
            }
        }
    }
}

/// Pixel `c` of an unfiltered row as RGBA; `None` for a palette index past the palette.
fn pixel(h: &Header, line: &[u8], c: usize, palette: &[[u8; 4]]) -> Option<[u8; 4]> {
    let ch = h.channels();
    let s = |i: usize| sample(h, line, c * ch + i);
    Some(match h.colour_type {
        0 => [s(0), s(0), s(0), 255],
        2 => [s(0), s(1), s(2), 255],
        3 => *palette.get(usize::from(s(0)))?,
        4 => [s(0), s(0), s(0), s(1)],
        _ => [s(0), s(1), s(2), s(3)],
    })
}

/// `v` with opacity `alpha` over white, rounded.
pub(super) fn over_white(v: u8, alpha: u8) -> u8 {
    let (v, a) = (u32::from(v), u32::from(alpha));
    ((v * a + 255 * (255 - a) + 127) / 255) as u8
}
