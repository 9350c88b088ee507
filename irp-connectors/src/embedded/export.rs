//! Reading an exported log file: decompressed when it is gzip, whatever it is called, behind a
//! buffer big enough for the record reader's one-line fast path. Shared by `irp assess`,
//! `irp.assess` and the event-file SIEM.

use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

use flate2::read::MultiGzDecoder;

/// Read buffer for exports. A one-line record is parsed straight from the buffer only when the
/// whole line is in it: with 8 KiB a fifth of 1.7 KB Okta records straddled its end and took the
/// byte-by-byte framer instead.
pub const EXPORT_READ_BUFFER: usize = 256 * 1024;

/// The bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The two sniffed bytes put back in front of the rest of the input.
type Rejoined<R> = Chain<Cursor<Vec<u8>>, BufReader<R>>;

/// An export's content: as stored, or inflated when it starts with the gzip magic bytes
/// (exports get renamed, and `.gz` files are sometimes already inflated).
pub struct ExportReader<R>(Content<R>);

enum Content<R> {
    Plain(Rejoined<R>),
    /// Every gzip member inflated in turn (boxed: the decoder's state is large).
    Gzip(Box<BufReader<MultiGzDecoder<Rejoined<R>>>>),
}

impl<R: Read> ExportReader<R> {
    /// Sniffs `input` and wraps it. Reads two bytes (waiting for them on a slow pipe).
    ///
    /// # Errors
    ///
    /// A read error while sniffing.
    pub fn new(input: R) -> io::Result<Self> {
        let mut raw = BufReader::with_capacity(EXPORT_READ_BUFFER, input);
        let mut magic = Vec::with_capacity(GZIP_MAGIC.len());
        // `take(2).read_to_end` keeps reading until two bytes or EOF, even from a slow pipe.
        (&mut raw).take(GZIP_MAGIC.len() as u64).read_to_end(&mut magic)?;
        let is_gzip = magic == GZIP_MAGIC;
        let rejoined = Cursor::new(magic).chain(raw);
        Ok(ExportReader(if is_gzip {
            Content::Gzip(Box::new(BufReader::with_capacity(EXPORT_READ_BUFFER, MultiGzDecoder::new(rejoined))))
        } else {
            Content::Plain(rejoined)
        }))
    }
}

impl<R: Read> Read for ExportReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            Content::Plain(r) => r.read(buf),
            Content::Gzip(r) => r.read(buf),
        }
    }
}

impl<R: Read> BufRead for ExportReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match &mut self.0 {
            Content::Plain(r) => r.fill_buf(),
            Content::Gzip(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, amount: usize) {
        match &mut self.0 {
            Content::Plain(r) => r.consume(amount),
            Content::Gzip(r) => r.consume(amount),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    fn read_all(input: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        ExportReader::new(input).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn gzip_is_recognised_by_content_and_plain_text_passes_through() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(b"{\"a\":1}\n").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(read_all(gz.as_slice()), b"{\"a\":1}\n");
        assert_eq!(read_all(&b"plain"[..]), b"plain");
        assert_eq!(read_all(&b"p"[..]), b"p");
        assert_eq!(read_all(&b""[..]), b"");
    }

    #[test]
    fn the_magic_bytes_are_awaited_from_a_slow_pipe() {
        // A reader that hands out one byte per read, as a pipe may.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(b"line\n").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(read_all(Trickle(&gz)), b"line\n");
    }
}
