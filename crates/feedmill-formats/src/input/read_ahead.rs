//! [`ReadAhead`]: decompression and decoding on their own thread, ahead of the parser.
//!
//! Reading a gzip feed is three sequential jobs — inflate, UTF-8 checking and repair, parsing —
//! and on one thread they are the pipeline's bottleneck (about half of all CPU per offer for
//! Google RSS). This moves the first two to a thread that fills [`CHUNK_LEN`] chunks into a
//! channel of [`CHANNEL_CAPACITY`], so the parser thread only parses. Memory stays bounded by
//! the channel: at most `CHANNEL_CAPACITY + 2` chunks are alive, plus the read ones sent back
//! to be filled again (as many), which spares allocating and zeroing a chunk each time.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

/// Bytes per chunk: large enough that channel hand-offs cost nothing per record.
pub const CHUNK_LEN: usize = 256 * 1024;
/// Chunks the inflating thread may run ahead of the parser.
pub const CHANNEL_CAPACITY: usize = 4;

/// A [`BufRead`] over the chunks another thread reads from `inner`. Read errors arrive in
/// order, after the bytes read before them.
pub struct ReadAhead {
    chunks: Receiver<io::Result<Vec<u8>>>,
    /// Read chunks going back to the reading thread to be filled again.
    spent: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    finished: bool,
}

impl ReadAhead {
    /// Starts the reading thread. It stops at end of input, at the first error, or when the
    /// `ReadAhead` is dropped.
    pub fn spawn(mut inner: Box<dyn Read + Send>) -> io::Result<ReadAhead> {
        let (sender, chunks) = sync_channel(CHANNEL_CAPACITY);
        let (spent, recycled) = sync_channel::<Vec<u8>>(CHANNEL_CAPACITY);
        thread::Builder::new()
            .name("feed-inflate".into())
            .spawn(move || {
                loop {
                    let chunk = recycled.try_recv().unwrap_or_default();
                    let (chunk, error) = read_chunk(&mut inner, chunk);
                    let end = chunk.is_empty() || error.is_some();
                    if !chunk.is_empty() && sender.send(Ok(chunk)).is_err() {
                        break;
                    }
                    let last = match error {
                        Some(err) => Err(err),
                        None => Ok(Vec::new()),
                    };
                    if end {
                        let _ = sender.send(last);
                        break;
                    }
                }
            })?;
        Ok(ReadAhead {
            chunks,
            spent,
            current: Vec::new(),
            pos: 0,
            finished: false,
        })
    }
}

/// Fills `chunk` (a new one or a spent one: its old bytes are overwritten) with up to
/// [`CHUNK_LEN`] bytes, stopping early at end of input (a short chunk) or at an error, which is
/// returned beside the bytes read before it.
fn read_chunk(inner: &mut dyn Read, mut chunk: Vec<u8>) -> (Vec<u8>, Option<io::Error>) {
    chunk.resize(CHUNK_LEN, 0);
    let mut filled = 0;
    let mut error = None;
    while filled < CHUNK_LEN {
        match inner.read(&mut chunk[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                error = Some(err);
                break;
            }
        }
    }
    chunk.truncate(filled);
    (chunk, error)
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.current.len() && !self.finished {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.finished = chunk.is_empty();
                    let spent = std::mem::replace(&mut self.current, chunk);
                    // A full return channel or a finished reading thread: the chunk is freed.
                    let _ = self.spent.try_send(spent);
                    self.pos = 0;
                }
                Ok(Err(err)) => {
                    self.finished = true;
                    return Err(err);
                }
                Err(_) => self.finished = true,
            }
        }
        Ok(self.current.get(self.pos..).unwrap_or_default())
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.current.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields `data` in small pieces, then `error` if any.
    struct Flaky {
        data: Vec<u8>,
        pos: usize,
        error: Option<io::ErrorKind>,
    }

    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.data.len() {
                return match self.error.take() {
                    Some(kind) => Err(io::Error::new(kind, "cut")),
                    None => Ok(0),
                };
            }
            let n = buf.len().min(1000).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn read_all(data: Vec<u8>, error: Option<io::ErrorKind>) -> (Vec<u8>, io::Result<usize>) {
        let mut ahead = match ReadAhead::spawn(Box::new(Flaky {
            data,
            pos: 0,
            error,
        })) {
            Ok(ahead) => ahead,
            Err(err) => return (Vec::new(), Err(err)),
        };
        let mut out = Vec::new();
        let result = ahead.read_to_end(&mut out);
        (out, result)
    }

    #[test]
    fn passes_every_byte_through_in_order() {
        let data: Vec<u8> = (0..3 * CHUNK_LEN + 17).map(|i| (i % 251) as u8).collect();
        let (out, result) = read_all(data.clone(), None);
        assert!(result.is_ok());
        assert_eq!(out, data);
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        let data = vec![b'x'; CHUNK_LEN + 5];
        let (out, result) = read_all(data.clone(), Some(io::ErrorKind::UnexpectedEof));
        assert_eq!(
            result.map_err(|e| e.kind()),
            Err(io::ErrorKind::UnexpectedEof)
        );
        assert_eq!(out, data);
    }

    #[test]
    fn empty_input_is_empty() {
        let (out, result) = read_all(Vec::new(), None);
        assert_eq!((out.len(), result.ok()), (0, Some(0)));
    }
}
