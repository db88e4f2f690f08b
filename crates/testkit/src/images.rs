//! Small images made byte by byte for the tests: a phone's JPEG with its place and camera in
//! EXIF and XMP, and PNGs (with a text chunk naming a place, or of any size, for a browser to show).

/// The PNG chunks' checksum (CRC-32, IEEE).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A `width`×`height` PNG of one colour (stored deflate blocks), with a `tEXt` chunk `text` if
/// given (`Location\0…` names a place).
pub fn png(width: u32, height: u32, text: Option<&[u8]>) -> Vec<u8> {
    // Each row: filter 0, then its pixels.
    let row = [&[0u8][..], &[0x2f, 0x6f, 0xed, 0xff].repeat(width as usize)].concat();
    let raw = row.repeat(height as usize);
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (n, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(n + 1 == blocks.len()));
        zlib.extend_from_slice(&(block.len() as u16).to_le_bytes());
        zlib.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        png.extend_from_slice(&crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
    };
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &header);
    if let Some(text) = text {
        chunk(b"tEXt", text);
    }
    chunk(b"IDAT", &zlib);
    chunk(b"IEND", &[]);
    png
}

/// Raw EXIF (TIFF) with an orientation and a GPS directory, as a phone writes it.
pub fn gps_exif(turn: u16) -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    t.extend_from_slice(&turn.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&1u16.to_be_bytes());
    t.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'S', 0, 0, 0]);
    t.extend_from_slice(&0u32.to_be_bytes());
    t
}

/// A 1×1 JPEG carrying a phone's EXIF (orientation `turn`, a GPS directory) and an XMP packet
/// with a latitude.
pub fn jpeg(turn: u16) -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8];
    let segment = |jpeg: &mut Vec<u8>, marker: u8, data: &[u8]| {
        jpeg.extend_from_slice(&[0xFF, marker]);
        jpeg.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(data);
    };
    segment(&mut jpeg, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    segment(&mut jpeg, 0xE1, &[b"Exif\0\0".as_slice(), &gps_exif(turn)].concat());
    segment(&mut jpeg, 0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>23,33.0S</exif:GPSLatitude></x:xmpmeta>");
    segment(&mut jpeg, 0xDB, &[&[0u8][..], &[1u8; 64]].concat());
    segment(&mut jpeg, 0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    segment(&mut jpeg, 0xC4, &[&[0x00u8][..], &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[0]].concat());
    segment(&mut jpeg, 0xC4, &[&[0x10u8][..], &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[0]].concat());
    segment(&mut jpeg, 0xDA, &[1, 1, 0, 0, 63, 0]);
    jpeg.extend_from_slice(&[0x00, 0xFF, 0xD9]);
    jpeg
}
