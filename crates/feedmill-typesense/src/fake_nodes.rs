//! Typesense nodes faked on 127.0.0.1 for unit tests: canned answers, a node that dies while it
//! answers, and an address nothing listens on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A node on 127.0.0.1 that answers each request with the next of `answers` (the last one
/// again once they run out) and counts the requests.
pub(crate) fn fake_node(answers: Vec<(u16, &'static str)>) -> (String, Arc<AtomicUsize>) {
    serve(move |n, mut stream| {
        let (status, body) = answers[n.min(answers.len() - 1)];
        write!(
            stream,
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    })
}

/// A node that dies while it answers: its headers promise more body than it sends.
pub(crate) fn cut_node() -> (String, Arc<AtomicUsize>) {
    serve(|_, mut stream| {
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
             content-length: 100\r\n\r\n{{\"ok\""
        )
    })
}

/// An address nothing listens on.
pub(crate) fn dead_node() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a test port");
    format!("http://{}", listener.local_addr().expect("a local address"))
}

/// A node that reads each request whole and has `answer` write its answer (given the number of
/// requests before it); its URL and the count of requests.
fn serve(
    answer: impl Fn(usize, &TcpStream) -> std::io::Result<()> + Send + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a test port");
    let url = format!("http://{}", listener.local_addr().expect("a local address"));
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            read_request(&stream);
            // A client that hung up early is the test's to notice, not the node's.
            let _ = answer(n, &stream);
        }
    });
    (url, served)
}

/// Reads a request's head and its body (by its content-length), so that closing the
/// connection after the answer does not reset it under the client.
fn read_request(stream: &TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body_len = 0;
    while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            body_len = value.trim().parse().unwrap_or(0);
        }
        line.clear();
    }
    let _ = std::io::copy(&mut reader.take(body_len), &mut std::io::sink());
}
