//! QR codes of URLs (live codes, member links, posters) and their images: an SVG of one path
//! at an exact size, and a PNG with an optional logo in a white box at the centre.
//!
//! The `qrcode` crate encodes the module matrix; the rendering is here, so the SVG is one
//! `<path>` with merged runs at an exact size, and the PNG needs no image crate (the private
//! `png` submodule says why its codec is hand-written).

mod png;

use png::Colour;

/// The light border around the code, in modules, that scanners need.
const QUIET_ZONE: usize = 4;
/// The largest PNG side: a larger `scale` is lowered to stay within it.
const MAX_SIDE_PX: usize = 4096;

/// A QR code of a URL, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    /// Modules per side, without the quiet zone.
    width: usize,
    /// Row by row, `true` for a dark module.
    dark: Vec<bool>,
}

/// Why a text cannot be a QR code, or its image cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The text does not fit in the largest QR code (version 40) at the level asked for.
    #[error("the text is too long for a QR code")]
    TooLong,
    /// The logo is not a PNG this module can read (or is larger than 2048×2048).
    #[error("the logo is not a readable PNG of at most 2048×2048 pixels")]
    BadLogo,
    /// The PNG could not be compressed (not expected: it is written to memory).
    #[error("the QR image could not be encoded: {0}")]
    Encode(String),
}

impl Qr {
    /// Encodes `text` with error-correction level M (level H when a logo will be drawn: use
    /// [`Qr::with_logo_room`]).
    pub fn new(text: &str) -> Result<Qr, QrError> {
        Qr::encode(text, qrcode::EcLevel::M)
    }

    /// Encodes `text` with error-correction level H, so that a logo covering the centre
    /// still scans.
    pub fn with_logo_room(text: &str) -> Result<Qr, QrError> {
        Qr::encode(text, qrcode::EcLevel::H)
    }

    fn encode(text: &str, level: qrcode::EcLevel) -> Result<Qr, QrError> {
        // For bytes, the only way the encoder fails is data past version 40's capacity.
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), level)
            .map_err(|_| QrError::TooLong)?;
        Ok(Qr {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        })
    }

    /// Modules per side (without the quiet zone).
    pub fn width(&self) -> usize {
        self.width
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// An SVG document, `px` pixels per side, 4-module quiet zone, black on white,
    /// `shape-rendering="crispEdges"`, one `<path>` (each row's runs of dark modules merged).
    pub fn svg(&self, px: u32) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut d = String::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                d.push_str(&format!(
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE
                ));
            }
        }
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}" "#,
                r#"viewBox="0 0 {side} {side}" shape-rendering="crispEdges">"#,
                r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
                r##"<path fill="#000" d="{d}"/></svg>"##
            ),
            px = px,
            side = side,
            d = d
        )
    }

    /// A PNG, `scale` pixels per module, 4-module quiet zone; with `logo` (PNG bytes) the logo
    /// is scaled (nearest) into a centred white box of at most 1/5 of the code's side. A logo
    /// that cannot be decoded is [`QrError::BadLogo`].
    ///
    /// `scale` is at least 1, and is lowered when the image's side would pass 4096 pixels.
    /// Without a logo the PNG is 8-bit grayscale; with one, 8-bit RGB.
    pub fn png(&self, scale: u32, logo: Option<&[u8]>) -> Result<Vec<u8>, QrError> {
        let logo = match logo {
            Some(bytes) => Some(png::decode(bytes).ok_or(QrError::BadLogo)?),
            None => None,
        };
        let modules = self.width + 2 * QUIET_ZONE;
        let scale = (scale as usize).clamp(1, (MAX_SIDE_PX / modules).max(1));
        let side = modules * scale;
        let channels = if logo.is_some() { 3 } else { 1 };
        let mut pixels = vec![255u8; side * side * channels];
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    let (left, top) = ((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale);
                    fill(
                        &mut pixels,
                        side,
                        channels,
                        (left, top, scale, scale),
                        [0; 3],
                    );
                }
            }
        }
        if let Some(logo) = &logo {
            draw_logo(&mut pixels, side, self.width * scale, logo);
        }
        let colour = if logo.is_some() {
            Colour::Rgb
        } else {
            Colour::Gray
        };
        // `side` is at most MAX_SIDE_PX (or one small code's side at scale 1).
        png::encode(side as u32, side as u32, colour, &pixels)
            .map_err(|e| QrError::Encode(e.to_string()))
    }
}

/// Paints the rectangle (left, top, width, height) of a `side`-wide image with `rgb`.
fn fill(
    pixels: &mut [u8],
    side: usize,
    channels: usize,
    (left, top, w, h): (usize, usize, usize, usize),
    rgb: [u8; 3],
) {
    for y in top..top + h {
        let row = &mut pixels[(y * side + left) * channels..(y * side + left + w) * channels];
        for px in row.chunks_exact_mut(channels) {
            px.copy_from_slice(&rgb[..channels]);
        }
    }
}

/// Clears a white box of 1/5 of `code_side` at the centre of an RGB image `side` wide, and
/// draws `logo` in it, scaled (nearest neighbour) to fit inside a margin, aspect kept.
fn draw_logo(pixels: &mut [u8], side: usize, code_side: usize, logo: &png::Rgb) {
    let boxed = code_side / 5;
    let at = (side - boxed) / 2;
    fill(pixels, side, 3, (at, at, boxed, boxed), [255; 3]);
    let inner = boxed - 2 * (boxed / 10);
    if inner == 0 {
        return;
    }
    let (w, h) = if logo.width >= logo.height {
        (inner, (inner * logo.height / logo.width).max(1))
    } else {
        ((inner * logo.width / logo.height).max(1), inner)
    };
    let (left, top) = ((side - w) / 2, (side - h) / 2);
    for y in 0..h {
        let sy = y * logo.height / h;
        for x in 0..w {
            let sx = x * logo.width / w;
            let from = (sy * logo.width + sx) * 3;
            let to = ((top + y) * side + left + x) * 3;
            pixels[to..to + 3].copy_from_slice(&logo.pixels[from..from + 3]);
        }
    }
}

#[cfg(test)]
mod tests;
