//! Small files of every kind a visitor may send, made here byte by byte (their kinds are told
//! from their first bytes, and images are parsed to remove their metadata).

pub use zchat_testkit::images::{self, gps_exif, jpeg};

/// One sample: its name, the browser's type, its bytes, the message type and the stored kind.
pub struct Sample {
    pub name: &'static str,
    pub declared: &'static str,
    pub bytes: Vec<u8>,
    pub kind: &'static str,
    pub ext: &'static str,
}

/// A ZIP whose first entry is `name` holding `content` (stored), as office files begin.
fn zip_starting_with(name: &str, content: &[u8]) -> Vec<u8> {
    let mut zip = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0".to_vec();
    zip.extend_from_slice(&[0; 4]); // crc (not checked by a kind test)
    zip.extend_from_slice(&(content.len() as u32).to_le_bytes());
    zip.extend_from_slice(&(content.len() as u32).to_le_bytes());
    zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip.extend_from_slice(name.as_bytes());
    zip.extend_from_slice(content);
    zip.extend_from_slice(b"PK\x05\x06");
    zip.resize(zip.len() + 18, 0);
    zip
}

/// A 1×1 PNG with a text chunk naming a place.
pub fn png() -> Vec<u8> {
    images::png(1, 1, Some(b"Location\0Rua Augusta 1500, Sao Paulo"))
}

/// A 1×1 lossless WebP with an EXIF and an XMP chunk.
pub fn webp() -> Vec<u8> {
    let mut chunks = Vec::new();
    let chunk = |chunks: &mut Vec<u8>, id: &[u8; 4], data: &[u8]| {
        chunks.extend_from_slice(id);
        chunks.extend_from_slice(&(data.len() as u32).to_le_bytes());
        chunks.extend_from_slice(data);
        if data.len() % 2 == 1 {
            chunks.push(0);
        }
    };
    // VP8X: EXIF and XMP flags set, canvas 1×1.
    chunk(&mut chunks, b"VP8X", &[0b0000_1100, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    chunk(&mut chunks, b"VP8L", &[0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0]);
    chunk(&mut chunks, b"EXIF", &gps_exif(1));
    chunk(&mut chunks, b"XMP ", b"<x:xmpmeta><exif:GPSLatitude>23,33.0S</exif:GPSLatitude></x:xmpmeta>");
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&((chunks.len() + 4) as u32).to_le_bytes());
    webp.extend_from_slice(b"WEBP");
    webp.extend_from_slice(&chunks);
    webp
}

fn padded(mut bytes: Vec<u8>, to: usize) -> Vec<u8> {
    bytes.resize(to.max(bytes.len()), 0);
    bytes
}

fn webm_header() -> Vec<u8> {
    padded(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04".to_vec(), 400)
}

/// One sample of every accepted kind.
pub fn samples() -> Vec<Sample> {
    let sample = |name, declared, bytes, kind, ext| Sample { name, declared, bytes, kind, ext };
    vec![
        sample("foto.jpg", "image/jpeg", jpeg(1), "image", "jpg"),
        sample("captura de tela.png", "image/png", png(), "image", "png"),
        sample("anim.gif", "image/gif", padded(b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(), 64), "image", "gif"),
        sample("sticker.webp", "image/webp", webp(), "image", "webp"),
        sample("video.mp4", "video/mp4", padded(b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec(), 200), "video", "mp4"),
        sample("clip.webm", "video/webm", webm_header(), "video", "webm"),
        sample("nota de voz.webm", "audio/webm", webm_header(), "audio", "weba"),
        sample("musica.mp3", "audio/mpeg", padded(b"ID3\x04\0\0\0\0\0\0".to_vec(), 200), "audio", "mp3"),
        sample("audio.ogg", "audio/ogg", padded(b"OggS\0\x02\0\0\0\0\0\0\0\0".to_vec(), 200), "audio", "ogg"),
        sample("audio.wav", "audio/wav", padded(b"RIFF\x24\0\0\0WAVEfmt ".to_vec(), 200), "audio", "wav"),
        sample("gravacao.m4a", "audio/x-m4a", padded(b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom".to_vec(), 200), "audio", "m4a"),
        sample("recibo.pdf", "application/pdf", b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec(), "file", "pdf"),
        sample("contrato.docx", "", zip_starting_with("word/document.xml", b"<w:document/>"), "file", "docx"),
        sample("planilha.xlsx", "", zip_starting_with("xl/workbook.xml", b"<workbook/>"), "file", "xlsx"),
        sample("slides.pptx", "", zip_starting_with("ppt/presentation.xml", b"<p:presentation/>"), "file", "pptx"),
        sample("texto.odt", "", zip_starting_with("mimetype", b"application/vnd.oasis.opendocument.text"), "file", "odt"),
        sample("tabela.ods", "", zip_starting_with("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), "file", "ods"),
        sample("apres.odp", "", zip_starting_with("mimetype", b"application/vnd.oasis.opendocument.presentation"), "file", "odp"),
        sample("carta.rtf", "application/rtf", b"{\\rtf1\\ansi Ola}".to_vec(), "file", "rtf"),
        sample("erro.txt", "text/plain", "Erro 42 na página de pagamento\n".as_bytes().to_vec(), "file", "txt"),
        sample("pedidos.csv", "text/csv", b"pedido,total\n1001,59.90\n".to_vec(), "file", "csv"),
    ]
}
