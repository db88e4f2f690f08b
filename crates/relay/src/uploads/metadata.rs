//! Location and camera metadata out of images before they are stored, without re-encoding them:
//! the containers' metadata blocks are dropped (`img-parts`), the pixels are left as they are.
//!
//! - JPEG: every APP1 segment (EXIF, with GPS and the camera, and XMP) and APP13 (Photoshop's
//!   IPTC, which can hold a place). A photo's orientation survives: when the EXIF said to turn the
//!   picture, a minimal EXIF with only that tag goes back in, so phone photos stay upright.
//! - PNG: `eXIf` and the text chunks (`tEXt`, `zTXt`, `iTXt`, where XMP lives).
//! - WebP: the `EXIF` and `XMP ` chunks (and the header's flags for them).
//! - GIF has no standard place for them and is stored as sent. Videos and documents are stored
//!   as sent (README says so).

use bytes::Bytes;
use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::ImageEXIF;

/// Whether files stored as `ext` have metadata to remove (and are read whole for it).
pub fn has_metadata(ext: &str) -> bool {
    matches!(ext, "jpg" | "png" | "webp")
}

/// `bytes` without their metadata, for the kinds that have a known place for it (by the stored
/// extension); other kinds come back unchanged. An image that cannot be read is refused. The
/// answer is in pieces, most of them slices of `bytes` (nothing is copied).
pub fn strip(ext: &str, bytes: Bytes) -> Result<Vec<Bytes>, String> {
    let unreadable = |_| "The image could not be read: it is damaged or not what its first bytes say".to_string();
    Ok(match ext {
        "jpg" => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(unreadable)?;
            let orientation = jpeg.exif().and_then(|exif| orientation(&exif));
            jpeg.set_exif(None);
            jpeg.segments_mut().retain(|segment| !matches!(segment.marker(), markers::APP1 | markers::APP13));
            if let Some(turn) = orientation.filter(|turn| *turn != 1) {
                jpeg.set_exif(Some(only_orientation(turn)));
            }
            jpeg.encoder().collect()
        }
        "png" => {
            let mut png = Png::from_bytes(bytes).map_err(unreadable)?;
            png.set_exif(None);
            png.chunks_mut().retain(|chunk| !matches!(&chunk.kind(), b"tEXt" | b"zTXt" | b"iTXt"));
            png.encoder().collect()
        }
        "webp" => {
            let mut webp = WebP::from_bytes(bytes).map_err(unreadable)?;
            webp.remove_chunks_by_id(*b"XMP ");
            // Also brings the header's flags up to date.
            webp.set_exif(None);
            webp.encoder().collect()
        }
        _ => vec![bytes],
    })
}

/// The orientation tag (1–8) of raw EXIF (TIFF) data.
fn orientation(exif: &[u8]) -> Option<u16> {
    let fields = exif::Reader::new().read_raw(exif.to_vec()).ok()?;
    let field = fields.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).and_then(|turn| u16::try_from(turn).ok()).filter(|turn| (1..=8).contains(turn))
}

/// Raw EXIF (big-endian TIFF) holding one tag: the orientation.
fn only_orientation(turn: u16) -> Bytes {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian, the first directory at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry:
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation,
    tiff.extend_from_slice(&3u16.to_be_bytes()); // a SHORT,
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one of them,
    tiff.extend_from_slice(&turn.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // padded to four bytes
    tiff.extend_from_slice(&0u32.to_be_bytes()); // and no next directory
    Bytes::from(tiff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(ext: &str, bytes: Bytes) -> Result<Bytes, String> {
        super::strip(ext, bytes).map(|pieces| pieces.concat().into())
    }

    #[test]
    fn a_photo_loses_its_place_and_camera_and_keeps_its_orientation() {
        let photo = zchat_testkit::images::jpeg(6);
        assert!(photo.windows(4).any(|w| w == b"Exif") && photo.windows(11).any(|w| w == b"GPSLatitude"));
        let clean = strip("jpg", Bytes::from(photo)).unwrap();
        assert!(!clean.windows(11).any(|w| w == b"GPSLatitude"), "XMP gone");
        let jpeg = Jpeg::from_bytes(clean.clone()).unwrap();
        let exif = jpeg.exif().expect("orientation kept");
        assert_eq!(orientation(&exif), Some(6));
        let fields = exif::Reader::new().read_raw(exif.to_vec()).unwrap();
        assert_eq!(fields.fields().count(), 1, "only the orientation");
        // The picture itself is untouched: the scan data ends the file as before.
        assert!(clean.ends_with(&[0x00, 0xFF, 0xD9]));
    }

    #[test]
    fn an_upright_photo_keeps_no_exif_at_all() {
        let clean = strip("jpg", Bytes::from(zchat_testkit::images::jpeg(1))).unwrap();
        assert!(Jpeg::from_bytes(clean.clone()).unwrap().exif().is_none());
        assert!(!clean.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn damaged_images_are_refused_and_other_kinds_pass_unchanged() {
        for (ext, bytes) in [("jpg", &b"\xff\xd8\xff\xe1\xff\xff"[..]), ("png", b"\x89PNG\r\n\x1a\n\0\0"), ("webp", b"RIFF\0\0\0\0WEBPVP8 ")] {
            assert!(strip(ext, Bytes::from_static(bytes)).is_err(), "{ext}");
        }
        let pdf = Bytes::from_static(b"%PDF-1.7 GPSLatitude");
        assert_eq!(strip("pdf", pdf.clone()).unwrap(), pdf);
    }
}
