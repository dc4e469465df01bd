//! Writing text into XML, CSV and JSON without breaking their syntax.
//!
//! Three tiny escapers, written out rather than taken from a crate: each is a few lines, works
//! straight into the output stream without an intermediate `String`, and must never change its
//! output (benchmark inputs are compared byte for byte across versions).

use std::io::{self, Write};

/// XML character data: `&`, `<` and `>` become entities; everything else, non-ASCII included,
/// is written as UTF-8.
pub fn xml_text<W: Write + ?Sized>(out: &mut W, text: &str) -> io::Result<()> {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>']) {
        out.write_all(&rest.as_bytes()[..at])?;
        out.write_all(match rest.as_bytes()[at] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            _ => b"&gt;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_all(rest.as_bytes())
}

/// `<name>text</name>` with the text escaped.
pub fn xml_element<W: Write + ?Sized>(
    out: &mut W,
    indent: &str,
    name: &str,
    text: &str,
) -> io::Result<()> {
    write!(out, "{indent}<{name}>")?;
    xml_text(out, text)?;
    writeln!(out, "</{name}>")
}

/// One CSV field (RFC 4180): quoted when it holds the delimiter, a quote or a line break, with
/// quotes doubled.
pub fn csv_field<W: Write + ?Sized>(out: &mut W, text: &str) -> io::Result<()> {
    if !text.contains([',', '"', '\n', '\r']) {
        return out.write_all(text.as_bytes());
    }
    out.write_all(b"\"")?;
    let mut rest = text;
    while let Some(at) = rest.find('"') {
        out.write_all(&rest.as_bytes()[..=at])?;
        out.write_all(b"\"")?;
        rest = &rest[at + 1..];
    }
    out.write_all(rest.as_bytes())?;
    out.write_all(b"\"")
}

/// A JSON string literal: quotes, backslashes and control characters escaped, non-ASCII as is.
pub fn json_string<W: Write + ?Sized>(out: &mut W, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        out.write_all(&rest.as_bytes()[..at])?;
        match rest.as_bytes()[at] {
            b'"' => out.write_all(b"\\\"")?,
            b'\\' => out.write_all(b"\\\\")?,
            b'\n' => out.write_all(b"\\n")?,
            b'\r' => out.write_all(b"\\r")?,
            b'\t' => out.write_all(b"\\t")?,
            control => write!(out, "\\u{control:04x}")?,
        }
        rest = &rest[at + 1..];
    }
    out.write_all(rest.as_bytes())?;
    out.write_all(b"\"")
}

/// Percent-encodes a URL for use as a query value (RFC 3986 unreserved characters stay).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        let result = f(&mut out);
        assert!(result.is_ok());
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn escapes_xml_text() {
        let got = written(|out| xml_text(out, "Björk & Berg <b> > 3"));
        assert_eq!(got, "Björk &amp; Berg &lt;b&gt; &gt; 3");
    }

    #[test]
    fn quotes_csv_fields_only_when_needed() {
        assert_eq!(written(|out| csv_field(out, "Grön")), "Grön");
        assert_eq!(
            written(|out| csv_field(out, "Fits \"true\", 2\nlines")),
            "\"Fits \"\"true\"\", 2\nlines\""
        );
    }

    #[test]
    fn escapes_json_strings() {
        let got = written(|out| json_string(out, "a \"b\" \\ c\n\u{1}ø"));
        assert_eq!(got, "\"a \\\"b\\\" \\\\ c\\n\\u0001ø\"");
    }

    #[test]
    fn percent_encodes_urls() {
        assert_eq!(
            percent_encode("https://a.example/p?x=1&y=2"),
            "https%3A%2F%2Fa.example%2Fp%3Fx%3D1%26y%3D2"
        );
    }
}
