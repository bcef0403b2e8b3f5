//! QR images of live codes and gift codes, for the pages and the API (rendered by the
//! channels crate's QR codec).

use quanzi_channels::qr::Qr;

/// A PNG of `text`, `scale` pixels per module.
pub fn png(text: &str, scale: u32) -> Result<Vec<u8>, String> {
    Qr::new(text)
        .and_then(|q| q.png(scale, None))
        .map_err(|e| e.to_string())
}

/// An SVG of `text`, `px` pixels per side.
pub fn svg(text: &str, px: u32) -> Result<String, String> {
    Qr::new(text).map(|q| q.svg(px)).map_err(|e| e.to_string())
}
