//! [`LingeringClose`]: a socket that, when the server closes it, first reads and discards
//! what the client is still sending, so the answer it was given is not lost.
//!
//! A server that answers before it has read the request body (a 413 for a body over the limit)
//! and then closes the socket with unread bytes in it makes the kernel send a TCP reset, and a
//! reset makes the client's kernel drop the answer it had not read yet: the client sees a broken
//! pipe or a reset instead of the 413. Apache's `lingering_close` and nginx's `lingering_close`
//! solve this the same way: send FIN (shut down the write half), then read until the client
//! closes, for at most [`LINGER_MAX_BYTES`] and [`LINGER_TIMEOUT`], and only then close. Hyper
//! calls `poll_shutdown` when it closes a connection; this wrapper does the draining there.
//! Written by hand: no crate offers it for tokio's `TcpStream`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The longest a closing connection waits for the client to stop sending (nginx's
/// `lingering_time` is 30 s and its `lingering_timeout` 5 s; a client sending at a useful
/// speed finishes a few MiB well within this).
pub(crate) const LINGER_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes read and thrown away while closing: a client sending more is cut off (with
/// a reset, as without lingering). Four times the body limit (`router::MAX_BODY_BYTES`).
pub(crate) const LINGER_MAX_BYTES: u64 = 4 << 20;

/// A stream that drains its read half before it reports being shut down.
pub(crate) struct LingeringClose<S> {
    inner: S,
    linger: Option<Linger>,
}

struct Linger {
    write_shut: bool,
    num_drained: u64,
    deadline: Pin<Box<Sleep>>,
}

impl<S> LingeringClose<S> {
    pub(crate) fn new(inner: S) -> LingeringClose<S> {
        LingeringClose {
            inner,
            linger: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for LingeringClose<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for LingeringClose<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    /// Shuts the write half (the client reads the answer, then EOF), then reads until the
    /// client closes, the byte budget is spent or the deadline passes.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let linger = this.linger.get_or_insert_with(|| Linger {
            write_shut: false,
            num_drained: 0,
            deadline: Box::pin(tokio::time::sleep_until(Instant::now() + LINGER_TIMEOUT)),
        });
        if !linger.write_shut {
            ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            linger.write_shut = true;
        }
        let mut scratch = [0u8; 8192];
        loop {
            if linger.num_drained >= LINGER_MAX_BYTES
                || linger.deadline.as_mut().poll(cx).is_ready()
            {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                // The client closed its side, or the socket failed: nothing more to wait for.
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => linger.num_drained += buf.filled().len() as u64,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn shutdown_waits_until_the_client_stops_sending() -> io::Result<()> {
        let (client, server) = tokio::io::duplex(64);
        let mut server = LingeringClose::new(server);
        let (mut client_read, mut client_write) = tokio::io::split(client);
        let sender = tokio::spawn(async move {
            // More than the pipe holds: this only finishes if the server keeps reading.
            client_write.write_all(&[b'x'; 10_000]).await?;
            client_write.shutdown().await
        });
        server.write_all(b"answer").await?;
        server.shutdown().await?;
        let mut answer = Vec::new();
        client_read.read_to_end(&mut answer).await?;
        assert_eq!(answer, b"answer");
        sender.await.map_err(io::Error::other)??;
        assert_eq!(server.linger.map(|l| l.num_drained), Some(10_000));
        Ok(())
    }
}
