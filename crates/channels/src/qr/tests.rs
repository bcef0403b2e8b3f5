//! Tests of the QR images: the PNG's size, chunks and modules, the SVG's single path, the
//! limits, the logo, and the PNG reader against files written by other encoders.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::png::{self, Colour, SIGNATURE, over_white};
use super::{Qr, QrError};

const URL: &str = "https://quanzi.example/h5/t/acme/join?c=poster_1";

// Logos written by other encoders, 9×7 pixels each, pixel (x, y) as in `rgb` and `alpha`:
// RGB8, RGBA8, PAL2 (2-bit palette with tRNS) and GRAY16 by Pillow 13 (filters Sub, Up and
// Paeth); ADAM7_* interlaced by pypng 0.20220715; FILTERS by a Python script with rows
// filtered Avg, Avg, None, Sub, Up, Avg, Paeth (Pillow reads it back the same).
const RGB8: &str = concat!(
    "89504e470d0a1a0a0000000d494844520000000900000007080200000055f9f0370000003249444154789c63",
    "64606090c181581854181818d8b122b81c1f2642961345436872283662ca29c31156392d06062d06060b00d8",
    "de0583e636eb9b0000000049454e44ae426082"
);
const FILTERS: &str = concat!(
    "89504e470d0a1a0a0000000d494844520000000900000007080200000055f9f0370000008d4944415478da6d",
    "8eb10902411405474fb84078c1870d840d84fb206c20986d05c72f602bb8d8e02ab0020bb1100bb114ef2e32",
    "105e3af3a6033214a8304283096678408723eb65479964264bb2932ccbce10e4508ddca2cc519f31bea2bd63",
    "fac4bce3be38d3dfed1727dee3c2139ef1012ff80dafddc2fd7ec806d9455664d7c3cad183206dc9c356bd86",
    "7f0198b4146e636062ab0000000049454e44ae426082"
);
const RGBA8: &str = concat!(
    "89504e470d0a1a0a0000000d4948445200000009000000070806000000da9b67600000003649444154789c63",
    "6460606090616090c78759185418581918d8f16224457c38319a2251ac188b22190c8c4391320ac6a3480b8a",
    "2d5801cd990789b859f9af0000000049454e44ae426082"
);
const PAL2: &str = concat!(
    "89504e470d0a1a0a0000000d4948445200000009000000070203000000a7f58ff30000000c504c5445ff0000",
    "00ff000000ff0a141e228829040000000474524e53ff00ff80130a1e390000001349444154789c6390966660",
    "dcc8709e010b0d004b2e055c0a32bcd90000000049454e44ae426082"
);
const GRAY16: &str = concat!(
    "89504e470d0a1a0a0000000d4948445200000009000000071000000000af60e4ff0000002b49444154789c63",
    "6460908e908e908940904c8c3ae8908951875187490799c4ae0a550d235655e86a187500d6c80d2fea6acc44",
    "0000000049454e44ae426082"
);
const ADAM7_RGBA8: &str = concat!(
    "89504e470d0a1a0a0000000d4948445200000009000000070806000001ad9c57f60000010149444154789c0d",
    "c12148c3411407e01f820c443604270a0f177608fe83209657d4208c2b82c8038b9615195c388b4519582c5e",
    "38108b168b705856aecc62b96231cc721639b0582c826850d0ef03fe15e01b1638063ca6adb7bef8320906d6",
    "027007f6bc1d7c780434265893b69a4f839654b41d0332e639cbaecde132e49f5cf2d60c086809b0e780ab04",
    "3c83747d5174b5ef74e726e9ee2bc8d38a783970de0d924fefa05cad4aee1fb93c1aa6bcf005288c93aa2956",
    "f50d51cdae5574e254fb3aa8ea3ea9e597a2f817306890692eb1a936c5ac1b6be4cc99de6d30fd8764cedf8a",
    "093520628e629b39767624f60e6d74172e0e6288a3a7143f3f4a9c9dfa03c14b6506f1e2fbec000000004945",
    "4e44ae426082"
);
const ADAM7_GRAY1: &str = concat!(
    "89504e470d0a1a0a0000000d494844520000000900000007010000000185e76a5b0000001f49444154789c63",
    "6860606068607000c21f0c1380e407307b120308fd6f000065a7075cd31b09ea0000000049454e44ae426082"
);

fn rgb(x: usize, y: usize) -> [u8; 3] {
    [(x * 28) as u8, (y * 36) as u8, ((x * y * 7) % 256) as u8]
}

fn alpha(x: usize, y: usize) -> u8 {
    ((x * 31 + y * 5) % 256) as u8
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The RGB of pixel (x, y) of a decoded image.
fn at(img: &png::Rgb, x: usize, y: usize) -> [u8; 3] {
    let o = (y * img.width + x) * 3;
    [img.pixels[o], img.pixels[o + 1], img.pixels[o + 2]]
}

fn assert_pixels(name: &str, hex: &str, expected: impl Fn(usize, usize) -> [u8; 3]) {
    let img = png::decode(&unhex(hex)).unwrap_or_else(|| panic!("{name} decodes"));
    assert_eq!((img.width, img.height), (9, 7), "{name}");
    for y in 0..7 {
        for x in 0..9 {
            assert_eq!(at(&img, x, y), expected(x, y), "{name} pixel ({x}, {y})");
        }
    }
}

#[test]
fn a_png_has_the_signature_valid_chunks_and_the_quiet_zoned_size() {
    let qr = Qr::new(URL).unwrap();
    let bytes = qr.png(4, None).unwrap();
    assert!(bytes.starts_with(&SIGNATURE));
    let chunks = png::chunks(&bytes).expect("every chunk's CRC holds");
    let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.0).collect();
    assert_eq!(kinds, [b"IHDR", b"IDAT", b"IEND"]);
    let img = png::decode(&bytes).unwrap();
    let side = (qr.width() + 8) * 4;
    assert_eq!((img.width, img.height), (side, side));
    // The top-left finder: its outer ring is dark, the ring inside it light, the quiet zone light.
    assert_eq!(at(&img, 16, 16), [0, 0, 0]);
    assert_eq!(at(&img, 5 * 4 + 1, 5 * 4 + 1), [255; 3]);
    assert_eq!(at(&img, 0, 0), [255; 3]);
}

#[test]
fn every_module_of_the_png_is_dark_exactly_when_the_matrix_says_so() {
    let qr = Qr::new(URL).unwrap();
    let scale = 3;
    let img = png::decode(&qr.png(scale, None).unwrap()).unwrap();
    let mut dark = 0;
    for y in 0..qr.width() {
        for x in 0..qr.width() {
            let centre = |m: usize| (m + 4) * scale as usize + 1;
            let want = if qr.is_dark(x, y) { [0; 3] } else { [255; 3] };
            assert_eq!(at(&img, centre(x), centre(y)), want, "module ({x}, {y})");
            dark += usize::from(qr.is_dark(x, y));
        }
    }
    assert!(
        dark > qr.width() * qr.width() / 4,
        "a real code is about half dark"
    );
}

#[test]
fn a_scale_of_zero_is_one_and_a_huge_scale_stays_within_4096_pixels() {
    let qr = Qr::new(URL).unwrap();
    // Read from the header: the reader refuses images this large (they are not logos).
    let side = |bytes: Vec<u8>| {
        let ihdr = png::chunks(&bytes).unwrap()[0].1;
        u32::from_be_bytes(ihdr[..4].try_into().unwrap()) as usize
    };
    assert_eq!(side(qr.png(0, None).unwrap()), qr.width() + 8);
    let big = side(qr.png(10_000, None).unwrap());
    assert!(big <= 4096 && big > 4096 - (qr.width() + 8), "{big}");
    assert_eq!(big % (qr.width() + 8), 0);
}

#[test]
fn the_svg_has_the_view_box_size_and_one_path_covering_the_dark_modules() {
    let qr = Qr::new(URL).unwrap();
    let svg = qr.svg(300);
    let n = qr.width() + 8;
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.contains(&format!(r#"viewBox="0 0 {n} {n}""#)), "{svg}");
    assert!(svg.contains(r#"width="300" height="300""#));
    assert!(svg.contains(r#"shape-rendering="crispEdges""#));
    assert_eq!(svg.matches("<path").count(), 1);
    assert_eq!(svg.matches("<rect").count(), 1, "one white background");
    // Each run is `M<x> <y>h<len>v1h-<len>z`: the runs' lengths add up to the dark modules.
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let covered: usize = d
        .split('M')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.split('h')
                .nth(1)
                .unwrap()
                .trim_end_matches("v1")
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    let dark = (0..qr.width() * qr.width())
        .filter(|i| qr.is_dark(i % qr.width(), i / qr.width()))
        .count();
    assert_eq!(covered, dark);
}

#[test]
fn a_text_past_the_largest_code_is_too_long() {
    let text = "a".repeat(5_000);
    assert_eq!(Qr::new(&text), Err(QrError::TooLong));
    assert_eq!(Qr::with_logo_room(&text), Err(QrError::TooLong));
    // Level H holds less than level M: 2,000 bytes fit at M only.
    let text = "a".repeat(2_000);
    assert!(Qr::new(&text).is_ok());
    assert_eq!(Qr::with_logo_room(&text), Err(QrError::TooLong));
}

#[test]
fn room_for_a_logo_costs_modules() {
    let m = Qr::new(URL).unwrap().width();
    let h = Qr::with_logo_room(URL).unwrap().width();
    assert!(h > m, "level H {h} vs level M {m}");
}

#[test]
fn a_logo_that_is_not_a_readable_png_is_a_bad_logo() {
    let qr = Qr::with_logo_room(URL).unwrap();
    assert_eq!(qr.png(4, Some(b"GIF89a not a png")), Err(QrError::BadLogo));
    let good = unhex(RGB8);
    assert_eq!(qr.png(4, Some(&good[..40])), Err(QrError::BadLogo), "cut");
    let mut flipped = good.clone();
    flipped[40] ^= 1;
    assert_eq!(qr.png(4, Some(&flipped)), Err(QrError::BadLogo), "CRC");
    assert!(qr.png(4, Some(&good)).is_ok());
}

#[test]
fn a_logo_too_large_to_read_is_a_bad_logo() {
    let huge = png::encode(png::MAX_LOGO_SIDE + 1, 1, Colour::Gray, &[0; 2049]).unwrap();
    let qr = Qr::with_logo_room(URL).unwrap();
    assert_eq!(qr.png(4, Some(&huge)), Err(QrError::BadLogo));
}

#[test]
fn a_logo_is_drawn_at_the_centre_in_a_white_box() {
    let red = [200u8, 0, 0].repeat(9);
    let logo = png::encode(3, 3, Colour::Rgb, &red).unwrap();
    let qr = Qr::with_logo_room(URL).unwrap();
    let scale = 6;
    let img = png::decode(&qr.png(scale, Some(&logo)).unwrap()).unwrap();
    let side = (qr.width() + 8) * scale as usize;
    assert_eq!(img.width, side);
    let mid = side / 2;
    assert_eq!(at(&img, mid, mid), [200, 0, 0], "the logo's centre pixel");
    // The box is a fifth of the code's side; its margin (a tenth of the box) stays white.
    let boxed = qr.width() * scale as usize / 5;
    let inside_margin = (side - boxed) / 2 + 1;
    assert_eq!(at(&img, inside_margin, mid), [255; 3]);
    assert_eq!(at(&img, mid, inside_margin), [255; 3]);
    // Outside the box the code is untouched: the top-left finder is still dark.
    assert_eq!(at(&img, 4 * scale as usize, 4 * scale as usize), [0; 3]);
}

#[test]
fn a_wide_logo_keeps_its_aspect_in_the_box() {
    // 4×1: left half blue, right half green.
    let px = [[0, 0, 255], [0, 0, 255], [0, 255, 0], [0, 255, 0]].concat();
    let logo = png::encode(4, 1, Colour::Rgb, &px).unwrap();
    let qr = Qr::with_logo_room(URL).unwrap();
    let img = png::decode(&qr.png(8, Some(&logo)).unwrap()).unwrap();
    let mid = img.width / 2;
    let quarter = qr.width() * 8 / 5 / 4;
    assert_eq!(at(&img, mid - quarter, mid), [0, 0, 255]);
    assert_eq!(at(&img, mid + quarter, mid), [0, 255, 0]);
    // Four times wider than tall: a third of a box away from the centre vertically is white.
    assert_eq!(at(&img, mid, mid - qr.width() * 8 / 5 / 3), [255; 3]);
}

#[test]
fn logos_from_other_encoders_read_pixel_for_pixel() {
    assert_pixels("RGB8", RGB8, rgb);
    assert_pixels("FILTERS", FILTERS, rgb);
    let blend = |x, y| rgb(x, y).map(|v| over_white(v, alpha(x, y)));
    assert_pixels("RGBA8", RGBA8, blend);
    assert_pixels("ADAM7_RGBA8", ADAM7_RGBA8, blend);
    let palette = [
        ([255, 0, 0], 255),
        ([0, 255, 0], 0),
        ([0, 0, 255], 255),
        ([10, 20, 30], 128),
    ];
    assert_pixels("PAL2", PAL2, |x, y| {
        let (c, a): ([u8; 3], u8) = palette[(x + 2 * y) % 4];
        c.map(|v| over_white(v, a))
    });
    assert_pixels("GRAY16", GRAY16, |x, y| {
        [((x * 7000 + y * 300) >> 8) as u8; 3]
    });
    assert_pixels("ADAM7_GRAY1", ADAM7_GRAY1, |x, y| {
        [if (x * y + x) % 3 == 0 { 255 } else { 0 }; 3]
    });
}

#[test]
fn over_white_keeps_opaque_and_whitens_transparent() {
    assert_eq!(over_white(37, 255), 37);
    assert_eq!(over_white(37, 0), 255);
    assert_eq!(over_white(0, 128), 127);
}
