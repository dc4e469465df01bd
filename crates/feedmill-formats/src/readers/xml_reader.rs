//! The streaming XML record reader: turns an XML product feed into [`RawRecord`]s, one record
//! element at a time, in constant memory.
//!
//! This module owns:
//! - finding the record elements (`<product>`, `<item>`, `<entry>`, or the children of the root)
//!   and numbering them;
//! - the XML key conventions of [`crate::record`]: element paths below the record element joined
//!   with `/`, attributes as `path@name`, elements with a `name` attribute keyed by its value, and
//!   the Google namespace always written `g:` whatever prefix the document binds;
//! - values: CDATA unwrapped, references decoded, line ends normalized, text trimmed, empty values
//!   dropped;
//! - recovery from sloppy real-world XML. Inside a record, HTML entities (`&nbsp;`), bare `&`,
//!   unknown entities and bad character references are kept or decoded with a
//!   [`RawRecord::warn`], and so are unescaped `<br>`, `<hr>`, `<img>` inside a field; a record
//!   whose structure is broken otherwise (mismatched or stray end tags, an invalid element name,
//!   a bad attribute) is reported as [`ReadItem::Malformed`] and reading goes on after it. A document that is not XML, breaks outside any record, nests deeper than
//!   [`MAX_DEPTH`] or ends before its root element closes fails the feed.
//!
//! Input is UTF-8 with any BOM removed (the input layer decodes); the XML declaration's
//! `encoding` is ignored.

use std::io::{self, BufRead};
use std::sync::Arc;

use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::FeedError;
use crate::readers::RecordSink;
use crate::record::{FieldId, FieldNames, RawRecord, ReadItem};

/// The Google Merchant namespace; its elements are always keyed with the prefix `g:`.
const GOOGLE_NS: &str = "http://base.google.com/ns/1.0";

/// Deepest element nesting accepted; no feed comes near it, and it bounds the reader's memory.
const MAX_DEPTH: usize = 512;

/// How to find the records of an XML feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlOptions {
    /// Names of the element that holds one record (e.g. ["product"], ["item", "entry"]), matched
    /// against the qualified name as written (`g:item`) or the local name. Empty: the record
    /// elements are the children of the root element (`<produkter><produkt>…`).
    pub record_elements: Vec<String>,
}

/// Reads the XML feed `input` and hands each record to `sink`, in document order.
///
/// Fails when the input is empty or not XML, when the document breaks outside any record, when
/// it ends before its root element closes, and when the sink returns an error.
pub fn read_xml<R: BufRead>(
    input: R,
    options: &XmlOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), FeedError> {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    // Bare `&` comes through as text; end tags are matched here so that a broken record can be
    // skipped instead of failing the whole document.
    config.allow_dangling_amp = true;
    config.check_end_names = false;
    config.allow_unmatched_ends = true;

    let mut doc = Document::new(options);
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => return doc.finish(reader.buffer_position()),
            Ok(event) => {
                let position = reader.buffer_position();
                doc.event(event, position, sink)?;
            }
            Err(err) => doc.parse_error(err, reader.error_position())?,
        }
    }
}

/// One open element.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// End of this element's name in `Document::open_names`.
    name_end: usize,
    /// Length of `Document::path` before this element was entered.
    path_len: usize,
    /// Where this element's key starts in `Document::path` (after the prefix an element with a
    /// `name` attribute cuts off).
    key_start: usize,
    /// Number of namespace bindings in scope outside this element.
    bindings: usize,
}

/// The record being read.
#[derive(Debug)]
struct OpenRecord {
    record: RawRecord,
    /// Index in `Document::frames` of the record element.
    frame: usize,
    /// Why the record cannot be trusted, when it cannot.
    broken: Option<String>,
}

/// The reading state of one document.
struct Document<'o> {
    options: &'o XmlOptions,
    keys: KeyTable,
    namespaces: Namespaces,
    frames: Vec<Frame>,
    /// Names of the open elements as written, back to back.
    open_names: String,
    /// Key path of the innermost open element inside the record.
    path: String,
    /// Text gathered for the innermost open element inside the record.
    text: String,
    /// Scratch space for attribute keys and values.
    scratch_key: String,
    scratch_value: String,
    record: Option<OpenRecord>,
    /// Bytes of the previous record's values: the next one is most likely about as long.
    previous_text_len: usize,
    records_seen: u64,
    root_seen: bool,
    root_closed: bool,
    /// Anything other than whitespace was read.
    content_seen: bool,
}

impl<'o> Document<'o> {
    fn new(options: &'o XmlOptions) -> Document<'o> {
        Document {
            options,
            keys: KeyTable::default(),
            namespaces: Namespaces::default(),
            frames: Vec::with_capacity(16),
            open_names: String::with_capacity(256),
            path: String::with_capacity(256),
            text: String::with_capacity(1024),
            scratch_key: String::with_capacity(64),
            scratch_value: String::with_capacity(256),
            record: None,
            previous_text_len: 0,
            records_seen: 0,
            root_seen: false,
            root_closed: false,
            content_seen: false,
        }
    }

    fn event(
        &mut self,
        event: Event<'_>,
        position: u64,
        sink: &mut dyn RecordSink,
    ) -> Result<(), FeedError> {
        match event {
            Event::Start(e) if self.is_html_void_in_field(e.name().0) => {
                self.html_void_element(e.name().0, true);
                Ok(())
            }
            Event::Empty(e) if self.is_html_void_in_field(e.name().0) => {
                self.html_void_element(e.name().0, false);
                Ok(())
            }
            Event::End(e) if self.is_html_void_in_field(e.name().0) => Ok(()),
            Event::Start(e) => self.start(&e, position),
            Event::Empty(e) => {
                self.start(&e, position)?;
                self.close_innermost(sink)
            }
            Event::End(e) => self.end(e.name().0, position, sink),
            Event::Text(t) if self.in_field() => {
                self.field_text(&t.xml10_content(), t.starts_with('&'));
                Ok(())
            }
            Event::CData(c) if self.in_field() => {
                self.field_text(&c.xml10_content(), false);
                Ok(())
            }
            Event::Text(t) => self.other_text(&t, position),
            Event::CData(c) => self.other_text(&c, position),
            Event::GeneralRef(r) => self.reference(&r, position),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {
                self.content_seen = true;
                Ok(())
            }
            Event::Eof => Ok(()),
        }
    }

    // ----- elements -----

    fn start(&mut self, e: &BytesStart<'_>, position: u64) -> Result<(), FeedError> {
        let qname = e.name().0;
        if self.root_closed {
            return Err(xml_error(
                position,
                format!("element <{qname}> after the root element closed"),
            ));
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(xml_error(
                position,
                format!("elements nested deeper than {MAX_DEPTH}"),
            ));
        }
        self.root_seen = true;
        self.content_seen = true;
        let bindings = self.namespaces.enter(e);
        let (google, local) = self.namespaces.resolve(qname, true);

        if self.record.is_some() {
            self.open_field(e, qname, local, google, bindings);
        } else if self.is_record_element(qname, local, google) {
            self.open_record(e, bindings);
        } else {
            self.push_frame(qname, self.path.len(), 0, bindings);
        }
        Ok(())
    }

    /// `<br>`, `<hr>`, `<img …>` and `<wbr>` inside a field are HTML that a feed did not escape.
    /// They stand for a space in the field's text; unclosed (`<br>`, invalid XML) they would
    /// otherwise cost the record, so they are kept with a warning.
    fn is_html_void_in_field(&self, qname: &str) -> bool {
        self.in_field()
            && HTML_VOID_ELEMENTS
                .iter()
                .any(|v| v.eq_ignore_ascii_case(qname))
    }

    fn html_void_element(&mut self, qname: &str, unclosed: bool) {
        self.text.push(' ');
        if unclosed {
            let detail = format!("unclosed <{qname}> in {}", self.current_key());
            self.warn("unclosed_html", detail);
        }
    }

    fn is_record_element(&self, qname: &str, local: &str, google: bool) -> bool {
        let wanted = &self.options.record_elements;
        if wanted.is_empty() {
            return self.frames.len() == 1;
        }
        wanted.iter().any(|name| {
            name == qname || name == local || (google && name.strip_prefix("g:") == Some(local))
        })
    }

    fn push_frame(&mut self, qname: &str, path_len: usize, key_start: usize, bindings: usize) {
        self.open_names.push_str(qname);
        self.frames.push(Frame {
            name_end: self.open_names.len(),
            path_len,
            key_start,
            bindings,
        });
    }

    fn open_record(&mut self, e: &BytesStart<'_>, bindings: usize) {
        self.records_seen += 1;
        let mut record = RawRecord::new(self.records_seen);
        record.reserve(self.keys.previous.len(), self.previous_text_len);
        self.record = Some(OpenRecord {
            record,
            frame: self.frames.len(),
            broken: None,
        });
        self.path.clear();
        self.text.clear();
        self.push_frame(e.name().0, 0, 0, bindings);
        self.read_attributes(e, None);
    }

    /// Enters an element inside the record: extends the key path and reads its attributes.
    fn open_field(
        &mut self,
        e: &BytesStart<'_>,
        qname: &str,
        local: &str,
        google: bool,
        bindings: usize,
    ) {
        self.flush_text();
        if !is_plausible_name(qname) {
            self.mark_broken(format!("invalid element name <{qname}>"));
        }
        let path_len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('/');
        }
        let keyed_by_name = self.name_attribute(e);
        let key_start = if keyed_by_name {
            // `<field name="stock">` is keyed `stock`, whatever its parents.
            let start = self.path.len();
            self.path.push_str(self.scratch_value.trim());
            start
        } else {
            push_segment(&mut self.path, qname, local, google);
            self.frames.last().map_or(0, |f| f.key_start)
        };
        self.push_frame(qname, path_len, key_start, bindings);
        self.read_attributes(e, keyed_by_name.then_some("name"));
    }

    /// Finds a non-empty `name` attribute of `e`, decoded into `scratch_value`.
    fn name_attribute(&mut self, e: &BytesStart<'_>) -> bool {
        if !has_attributes(e) {
            return false;
        }
        for attr in e.attributes().with_checks(false).flatten() {
            if attr.key.0 == "name" {
                self.scratch_value.clear();
                // Warnings, if any, come with the second pass over the attributes.
                decode_reference_text(&attr.value, &mut self.scratch_value, |_, _| {});
                return !self.scratch_value.trim().is_empty();
            }
        }
        false
    }

    /// Adds a field `key@attr` per attribute of the element just entered, except namespace
    /// declarations and the attribute `skip` (the `name` the element is keyed by).
    fn read_attributes(&mut self, e: &BytesStart<'_>, skip: Option<&str>) {
        if !has_attributes(e) {
            return;
        }
        for attr in e.attributes().with_checks(false) {
            let attr = match attr {
                Ok(attr) => attr,
                Err(err) => {
                    self.mark_broken(format!("bad attribute in <{}>: {err}", e.name().0));
                    return;
                }
            };
            let qname = attr.key.0;
            if qname == "xmlns" || qname.starts_with("xmlns:") || Some(qname) == skip {
                continue;
            }
            self.scratch_key.clear();
            self.scratch_key.push_str(key_of(&self.path, &self.frames));
            self.scratch_key.push('@');
            let (google, local) = self.namespaces.resolve(qname, false);
            push_segment(&mut self.scratch_key, qname, local, google);

            self.scratch_value.clear();
            let mut warnings = Vec::new();
            decode_reference_text(&attr.value, &mut self.scratch_value, |kind, name| {
                warnings.push((kind, name.to_owned()));
            });
            for (kind, name) in warnings {
                let detail = reference_detail(kind, &name, &self.scratch_key);
                self.warn(kind, detail);
            }
            let value = self.scratch_value.trim();
            if !value.is_empty()
                && let Some(open) = self.record.as_mut()
            {
                let id = self.keys.id(&self.scratch_key);
                open.record.push(id, value);
            }
        }
    }

    fn end(
        &mut self,
        name: &str,
        position: u64,
        sink: &mut dyn RecordSink,
    ) -> Result<(), FeedError> {
        if self.innermost_name() == Some(name) {
            return self.close_innermost(sink);
        }
        let found = self.find_open(name);
        let record_frame = self.record.as_ref().map(|open| open.frame);
        match (found, record_frame) {
            (_, None) => {
                let message = match self.innermost_name() {
                    Some(open) => format!("end tag </{name}> does not match <{open}>"),
                    None => format!("end tag </{name}> outside the root element"),
                };
                Err(xml_error(position, message))
            }
            (None, Some(_)) => {
                self.mark_broken(format!("stray end tag </{name}>"));
                Ok(())
            }
            (Some(at), Some(record_frame)) => {
                let open = self.innermost_name().unwrap_or_default().to_owned();
                if at < record_frame {
                    self.mark_broken(format!("record not closed before </{name}>"));
                } else {
                    self.mark_broken(format!("end tag </{name}> does not match <{open}>"));
                }
                while self.frames.len() > at {
                    self.close_innermost(sink)?;
                }
                Ok(())
            }
        }
    }

    /// Leaves the innermost open element: stores its text, or hands the record over when it is
    /// the record element.
    fn close_innermost(&mut self, sink: &mut dyn RecordSink) -> Result<(), FeedError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let depth = self.frames.len();
        self.open_names
            .truncate(self.frames.last().map_or(0, |f| f.name_end));
        self.namespaces.leave(frame.bindings);
        if self.frames.is_empty() {
            self.root_closed = true;
        }
        match self.record.as_ref().map(|open| open.frame) {
            Some(record_frame) if depth > record_frame => {
                self.flush_text_at(frame.key_start);
                self.path.truncate(frame.path_len);
                Ok(())
            }
            Some(_) => self.emit_record(sink),
            None => Ok(()),
        }
    }

    fn emit_record(&mut self, sink: &mut dyn RecordSink) -> Result<(), FeedError> {
        let Some(open) = self.record.take() else {
            return Ok(());
        };
        self.path.clear();
        self.text.clear();
        self.keys.end_record();
        self.previous_text_len = open.record.text_len();
        let item = match open.broken {
            None => ReadItem::Record(open.record),
            Some(message) => ReadItem::Malformed {
                number: open.record.number,
                message,
                excerpt: open.record.excerpt(&self.keys.names),
            },
        };
        sink.accept(item, &self.keys.names)
    }

    fn innermost_name(&self) -> Option<&str> {
        let end = self.frames.last()?.name_end;
        let start = self
            .frames
            .len()
            .checked_sub(2)
            .and_then(|i| self.frames.get(i))
            .map_or(0, |f| f.name_end);
        self.open_names.get(start..end)
    }

    /// Index of the innermost open element called `name`.
    fn find_open(&self, name: &str) -> Option<usize> {
        (0..self.frames.len()).rev().find(|&i| {
            let start = i.checked_sub(1).and_then(|p| self.frames.get(p));
            let start = start.map_or(0, |f| f.name_end);
            let end = self.frames.get(i).map_or(0, |f| f.name_end);
            self.open_names.get(start..end) == Some(name)
        })
    }

    // ----- text -----

    /// True when text goes into a field: inside an element below the record element.
    fn in_field(&self) -> bool {
        self.record
            .as_ref()
            .is_some_and(|open| self.frames.len() > open.frame + 1)
    }

    /// Adds text of the innermost field; `dangling_amp` when it starts with a bare `&`.
    fn field_text(&mut self, content: &str, dangling_amp: bool) {
        if dangling_amp {
            let detail = format!("bare & in {}", self.current_key());
            self.warn("bare_ampersand", detail);
        }
        if self.text.is_empty() {
            self.text.push_str(content.trim_start());
        } else {
            self.text.push_str(content);
        }
    }

    /// Text outside any field: ignored, except that text before the root element means the
    /// input is not XML.
    fn other_text(&mut self, content: &str, position: u64) -> Result<(), FeedError> {
        if content.trim().is_empty() {
            return Ok(());
        }
        self.content_seen = true;
        if !self.root_seen {
            return Err(xml_error(
                position,
                "text before the root element: not an XML document",
            ));
        }
        Ok(())
    }

    fn reference(&mut self, name: &str, position: u64) -> Result<(), FeedError> {
        if !self.in_field() {
            return self.other_text("&", position);
        }
        if let Some(kind) = push_reference(name, &mut self.text) {
            let detail = reference_detail(kind, name, self.current_key());
            self.warn(kind, detail);
        }
        Ok(())
    }

    /// Stores the text gathered so far for the innermost element, when there is any.
    fn flush_text(&mut self) {
        match self.frames.last() {
            Some(frame) if self.in_field() => self.flush_text_at(frame.key_start),
            _ => self.text.clear(),
        }
    }

    fn flush_text_at(&mut self, key_start: usize) {
        let value = self.text.trim();
        if !value.is_empty()
            && let Some(open) = self.record.as_mut()
        {
            let key = self.path.get(key_start..).unwrap_or_default();
            let id = self.keys.id(key);
            open.record.push(id, value);
        }
        self.text.clear();
    }

    /// The key of the innermost open element inside the record.
    fn current_key(&self) -> &str {
        key_of(&self.path, &self.frames)
    }

    // ----- problems -----

    fn warn(&mut self, kind: &'static str, detail: String) {
        if let Some(open) = self.record.as_mut() {
            let record = &mut open.record;
            if !record
                .warnings
                .iter()
                .any(|w| w.kind == kind && w.detail == detail)
            {
                record.warn(kind, detail);
            }
        }
    }

    fn mark_broken(&mut self, message: String) {
        if let Some(open) = self.record.as_mut() {
            open.broken.get_or_insert(message);
        }
    }

    /// Handles an error of the XML parser: recovers when the parser can go on, fails otherwise.
    fn parse_error(&mut self, err: XmlError, position: u64) -> Result<(), FeedError> {
        match err {
            // Problems in the declaration or doctype; the parser has skipped them.
            XmlError::IllFormed(_) => Ok(()),
            XmlError::Io(err) => Err(FeedError::from_read(
                Arc::try_unwrap(err)
                    .unwrap_or_else(|err| io::Error::new(err.kind(), err.to_string())),
            )),
            XmlError::Syntax(err) if self.root_seen && is_unclosed(&err) => {
                Err(FeedError::Truncated(format!(
                    "the document ends inside markup at byte {position} ({err})"
                )))
            }
            other => Err(xml_error(position, other.to_string())),
        }
    }

    /// Checks the document is complete at the end of the input.
    fn finish(&mut self, position: u64) -> Result<(), FeedError> {
        if let Some(open) = &self.record {
            let name = self.innermost_name().unwrap_or_default();
            return Err(FeedError::Truncated(format!(
                "the document ends inside record {} (in <{name}>)",
                open.record.number
            )));
        }
        if let Some(name) = self.innermost_name() {
            return Err(FeedError::Truncated(format!(
                "the document ends before </{name}>"
            )));
        }
        if !self.root_seen {
            if self.content_seen {
                return Err(xml_error(position, "no root element"));
            }
            return Err(FeedError::Empty);
        }
        Ok(())
    }
}

/// Interns the keys of one feed. Records of a feed mostly repeat the keys of the record before
/// in the same order, so a key is first compared with the one the previous record had at the
/// same place (or one further, when a field is missing) before it is hashed.
#[derive(Debug, Default)]
struct KeyTable {
    names: FieldNames,
    previous: Vec<FieldId>,
    current: Vec<FieldId>,
    cursor: usize,
}

impl KeyTable {
    fn id(&mut self, key: &str) -> FieldId {
        let id = match self.hinted(key) {
            Some(id) => id,
            None => self.names.intern(key),
        };
        self.current.push(id);
        id
    }

    fn hinted(&mut self, key: &str) -> Option<FieldId> {
        for at in [self.cursor, self.cursor + 1] {
            if let Some(&id) = self.previous.get(at)
                && self.names.name(id) == key
            {
                self.cursor = at + 1;
                return Some(id);
            }
        }
        None
    }

    fn end_record(&mut self) {
        std::mem::swap(&mut self.previous, &mut self.current);
        self.current.clear();
        self.cursor = 0;
    }
}

// ----- names -----

/// The key of the innermost open element: the part of `path` from its key start.
/// HTML elements without content that feeds leave unescaped inside text fields.
const HTML_VOID_ELEMENTS: &[&str] = &["br", "hr", "img", "wbr"];

fn key_of<'p>(path: &'p str, frames: &[Frame]) -> &'p str {
    let start = frames.last().map_or(0, |f| f.key_start);
    path.get(start..).unwrap_or_default()
}

/// The namespace prefixes in scope, reduced to what keys need: whether each one is bound to the
/// Google namespace. (quick-xml's `NsReader` resolves every name in full, which costs a quarter
/// of the parse time on Google feeds.)
#[derive(Debug, Default)]
struct Namespaces {
    /// `(prefix, bound to Google)` per declaration in scope, innermost last; the prefix of the
    /// default namespace is empty.
    bindings: Vec<(Box<str>, bool)>,
}

impl Namespaces {
    /// Adds the declarations made by `e`; returns the number of bindings in scope outside it.
    fn enter(&mut self, e: &BytesStart<'_>) -> usize {
        let outside = self.bindings.len();
        if e.attributes_raw().contains("xmlns") {
            for attr in e.attributes().with_checks(false).flatten() {
                let prefix = match attr.key.0 {
                    "xmlns" => "",
                    key => match key.strip_prefix("xmlns:") {
                        Some(prefix) => prefix,
                        None => continue,
                    },
                };
                let google = attr.value.trim() == GOOGLE_NS;
                self.bindings.push((prefix.into(), google));
            }
        }
        outside
    }

    fn leave(&mut self, outside: usize) {
        self.bindings.truncate(outside);
    }

    /// Whether the element or attribute name `qname` is in the Google namespace, and its local
    /// name. Unprefixed attributes are in no namespace; unbound prefixes in none we know.
    fn resolve<'n>(&self, qname: &'n str, element: bool) -> (bool, &'n str) {
        let (prefix, local) = match qname.split_once(':') {
            Some(split) => split,
            None if element => ("", qname),
            None => return (false, qname),
        };
        let google = self
            .bindings
            .iter()
            .rev()
            .find(|(bound, _)| **bound == *prefix)
            .is_some_and(|(_, google)| *google);
        (google, local)
    }
}

/// Appends the key segment of an element or attribute name: `g:local` in the Google namespace,
/// the name as written otherwise.
fn push_segment(out: &mut String, qname: &str, local: &str, google: bool) {
    if google {
        out.push_str("g:");
        out.push_str(local);
    } else {
        out.push_str(qname);
    }
}

fn has_attributes(e: &BytesStart<'_>) -> bool {
    !e.attributes_raw().trim_ascii().is_empty()
}

/// Whether `name` can be an element name; a `<` in text (`a < b`) parses as an element without
/// a name.
fn is_plausible_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && !name
            .bytes()
            .any(|b| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'' | b'=' | b'/'))
}

// ----- references -----

/// Appends the replacement text of the reference `&name;` to `out`. Returns the warning kind
/// when the reference is not plain XML: an HTML entity (decoded), an unknown entity, a bad
/// character reference, or a bare `&` (the last three kept as written).
fn push_reference(name: &str, out: &mut String) -> Option<&'static str> {
    if let Some(number) = name.strip_prefix('#') {
        if let Some(c) = char_reference(number) {
            out.push(c);
            return None;
        }
        push_literal_reference(name, out);
        return Some("bad_char_ref");
    }
    let predefined = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    };
    if let Some(c) = predefined {
        out.push(c);
        return None;
    }
    if !is_entity_name(name) {
        push_literal_reference(name, out);
        return Some("bare_ampersand");
    }
    let entities = &html_escape::NAMED_ENTITIES;
    match entities.binary_search_by(|(entity, _)| (*entity).cmp(name.as_bytes())) {
        Ok(at) => {
            out.push_str(entities.get(at).map_or("", |(_, text)| text));
            Some("html_entity")
        }
        Err(_) => {
            push_literal_reference(name, out);
            Some("unknown_entity")
        }
    }
}

fn push_literal_reference(name: &str, out: &mut String) {
    out.push('&');
    out.push_str(name);
    out.push(';');
}

/// The character of `&#number;` (decimal, or hexadecimal after `x`); `None` for anything that
/// is not a character other than NUL.
fn char_reference(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|&c| c != '\0')
}

fn is_entity_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Longest reference looked for in attribute values; HTML entity names are at most 32 bytes.
const MAX_REFERENCE: usize = 40;

/// Appends `raw` (text as written, e.g. an attribute value) to `out` with its references
/// resolved; calls `warn(kind, name)` for each one that is not plain XML. An `&` that starts no
/// reference is kept.
fn decode_reference_text(raw: &str, out: &mut String, mut warn: impl FnMut(&'static str, &str)) {
    let mut rest = raw;
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let end = after
            .bytes()
            .take(MAX_REFERENCE)
            .position(|b| matches!(b, b';' | b'&' | b'<') || b.is_ascii_whitespace())
            .filter(|&i| after.as_bytes().get(i) == Some(&b';'));
        match end.and_then(|i| Some((after.get(..i)?, after.get(i + 1..)?))) {
            Some((name, tail)) => {
                if let Some(kind) = push_reference(name, out) {
                    warn(kind, name);
                }
                rest = tail;
            }
            None => {
                out.push('&');
                warn("bare_ampersand", "");
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn reference_detail(kind: &str, name: &str, key: &str) -> String {
    if kind == "bare_ampersand" && name.is_empty() {
        format!("bare & in {key}")
    } else {
        format!("&{name}; in {key}")
    }
}

// ----- errors -----

fn xml_error(position: u64, message: impl Into<String>) -> FeedError {
    FeedError::Xml {
        position,
        message: message.into(),
    }
}

/// Syntax errors that only happen when the input ends inside markup.
fn is_unclosed(err: &SyntaxError) -> bool {
    !matches!(err, SyntaxError::InvalidBangMarkup)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::readers::CollectedRecords;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/",
                $name
            ))
        };
    }

    fn options(elements: &[&str]) -> XmlOptions {
        XmlOptions {
            record_elements: elements.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    fn read(xml: &str, elements: &[&str]) -> Result<CollectedRecords, FeedError> {
        let mut sink = CollectedRecords::default();
        read_xml(xml.as_bytes(), &options(elements), &mut sink)?;
        Ok(sink)
    }

    fn read_ok(xml: &str, elements: &[&str]) -> CollectedRecords {
        match read(xml, elements) {
            Ok(sink) => sink,
            Err(err) => panic!("reading failed: {err}"),
        }
    }

    fn records(sink: &CollectedRecords) -> Vec<&RawRecord> {
        sink.items
            .iter()
            .filter_map(|item| match item {
                ReadItem::Record(record) => Some(record),
                ReadItem::Malformed { .. } => None,
            })
            .collect()
    }

    fn value<'a>(sink: &'a CollectedRecords, record: &'a RawRecord, key: &str) -> Option<&'a str> {
        record.value(&sink.names, key)
    }

    fn values<'a>(sink: &CollectedRecords, record: &'a RawRecord, key: &str) -> Vec<&'a str> {
        let Some(id) = sink.names.get(key) else {
            return Vec::new();
        };
        record
            .fields()
            .filter(|(field, _)| *field == id)
            .map(|(_, v)| v)
            .collect()
    }

    fn warning_kinds(record: &RawRecord) -> Vec<&'static str> {
        record.warnings.iter().map(|w| w.kind).collect()
    }

    #[test]
    fn adtraction_products() {
        let sink = read_ok(fixture!("adtraction.xml"), &["product"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 3);
        assert_eq!(sink.items.len(), 3);
        assert_eq!(recs.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
        let first = recs[0];
        assert_eq!(value(&sink, first, "Price"), Some("699"));
        assert_eq!(value(&sink, first, "Instock"), Some("yes"));
        assert_eq!(value(&sink, first, "Category"), Some("Tröjor  -  Hoodies"));
        assert_eq!(
            value(&sink, first, "Description"),
            Some(
                "Mjuk hoodie i ekologisk bomull.\n\n90% Bomull\n10% Elastan\n\nModellen bär storlek M."
            )
        );
        assert_eq!(
            value(&sink, first, "TrackingUrl"),
            Some(
                "http://track.adtraction.com/t/t?a=1111&as=2222&t=2&tk=1&epi=Lattvikt+Hoodie\
                 &url=http://www.example-shop.se/item/1001-lattvikt-hoodie?color=green&size=m"
            )
        );
        assert_eq!(
            value(&sink, recs[1], "Ean"),
            None,
            "an empty <Ean/> is no field"
        );
        assert_eq!(value(&sink, recs[2], "Name"), Some("Vantar & Halsduk Set"));
        assert!(recs.iter().all(|r| r.warnings.is_empty()));
        assert!(sink.names.get("@xsi:noNamespaceSchemaLocation").is_none());
        assert_eq!(
            sink.names.name(
                recs[0]
                    .fields()
                    .map(|(id, _)| id)
                    .next()
                    .unwrap_or(FieldId(u32::MAX))
            ),
            "SKU"
        );
    }

    #[test]
    fn google_rss_items() {
        let sink = read_ok(fixture!("google-rss.xml"), &["item", "entry"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 3);
        let first = recs[0];
        assert_eq!(
            value(&sink, first, "g:title"),
            Some(r#"Mug "Plants & Pots" - 11oz"#)
        );
        assert_eq!(
            value(&sink, first, "g:link"),
            Some("https://store.example.com/products/mug?variant=1&ref=feed")
        );
        assert_eq!(value(&sink, first, "g:price"), Some("32.0 USD"));
        assert_eq!(value(&sink, first, "g:sale_price"), Some("27.5 USD"));
        assert_eq!(value(&sink, first, "g:shipping/g:price"), Some("4.95 USD"));
        assert_eq!(value(&sink, first, "g:shipping/g:country"), Some("US"));
        assert_eq!(
            values(&sink, first, "g:additional_image_link"),
            [
                "https://cdn.example.com/mug-1-side.png",
                "https://cdn.example.com/mug-1-back.png"
            ]
        );
        assert_eq!(values(&sink, first, "g:price"), ["32.0 USD"]);
        assert_eq!(
            value(&sink, recs[1], "g:description"),
            Some("The bigger one, 15″.")
        );
        assert_eq!(
            value(&sink, recs[2], "g:description"),
            Some("Text split & joined & kept again")
        );
        assert!(
            sink.names.get("title").is_none(),
            "channel elements are not fields"
        );
        assert!(recs.iter().all(|r| r.warnings.is_empty()));
    }

    #[test]
    fn google_namespace_is_g_whatever_the_prefix() {
        let xml = r#"<rss xmlns:google="http://base.google.com/ns/1.0"><channel>
            <item><google:id>1</google:id><google:shipping><google:price>1 EUR</google:price></google:shipping></item>
            </channel></rss>"#;
        let sink = read_ok(xml, &["item"]);
        let recs = records(&sink);
        assert_eq!(value(&sink, recs[0], "g:id"), Some("1"));
        assert_eq!(value(&sink, recs[0], "g:shipping/g:price"), Some("1 EUR"));

        let default_ns = r#"<feed xmlns="http://base.google.com/ns/1.0"><g:item xmlns:g="http://base.google.com/ns/1.0"><price>2 EUR</price></g:item></feed>"#;
        let sink = read_ok(default_ns, &["g:item"]);
        assert_eq!(value(&sink, records(&sink)[0], "g:price"), Some("2 EUR"));

        let scoped = r#"<rss><item xmlns:x="http://base.google.com/ns/1.0"><x:id>5</x:id></item>
            <item><x:id>6</x:id></item><item xmlns:g="urn:not-google"><g:id>7</g:id></item></rss>"#;
        let sink = read_ok(scoped, &["item"]);
        let recs = records(&sink);
        assert_eq!(value(&sink, recs[0], "g:id"), Some("5"));
        assert_eq!(
            value(&sink, recs[1], "x:id"),
            Some("6"),
            "the binding ended with its element"
        );
        assert_eq!(
            value(&sink, recs[2], "g:id"),
            Some("7"),
            "other namespaces keep their prefix"
        );

        let unbound = "<rss><item><g:id>3</g:id><x:id>4</x:id></item></rss>";
        let sink = read_ok(unbound, &["item"]);
        assert_eq!(value(&sink, records(&sink)[0], "g:id"), Some("3"));
        assert_eq!(value(&sink, records(&sink)[0], "x:id"), Some("4"));
    }

    #[test]
    fn google_atom_entries() {
        let sink = read_ok(fixture!("google-atom.xml"), &["item", "entry"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 2);
        assert_eq!(
            value(&sink, recs[0], "link@href"),
            Some("https://atom.example.com/lamp")
        );
        assert_eq!(value(&sink, recs[0], "title"), Some("Desk lamp"));
        assert_eq!(value(&sink, recs[0], "g:price"), Some("45.00 EUR"));
        assert_eq!(
            value(&sink, recs[1], "g:availability"),
            Some("out of stock")
        );
        assert!(sink.names.get("link@rel").is_none());
    }

    #[test]
    fn tradetracker_products() {
        let sink = read_ok(fixture!("tradetracker.xml"), &["product"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 3);
        let first = recs[0];
        assert_eq!(value(&sink, first, "price"), Some("49.99"));
        assert_eq!(value(&sink, first, "price@currency"), Some("EUR"));
        assert_eq!(value(&sink, first, "stock"), Some("Niet op voorraad"));
        assert_eq!(value(&sink, first, "brand"), Some("SecureSoft"));
        assert_eq!(value(&sink, first, "EAN"), None);
        assert_eq!(value(&sink, recs[1], "EAN"), Some("8712345678906"));
        assert_eq!(value(&sink, recs[2], "EAN"), None);
        assert_eq!(
            value(&sink, first, "categories/category@path"),
            Some("Software / Beveiliging")
        );
        assert_eq!(
            value(&sink, first, "categories/category"),
            Some("Beveiliging")
        );
        assert_eq!(
            value(&sink, first, "name"),
            Some("Antivirus Suite 2024 - 5 apparaten")
        );
        let description = value(&sink, first, "description").unwrap_or_default();
        assert!(
            !description.contains('\r'),
            "CRLF is normalized: {description:?}"
        );
        assert!(description.starts_with("Bescherming voor al uw apparaten\nKaspersky\ns award"));
        assert!(sink.names.get("additional/field").is_none());
        assert!(sink.names.get("field@name").is_none());
        assert_eq!(
            value(&sink, first, "productURL"),
            Some(
                "http://www.example.nl/tracker/index.php?tt=534_1_1_&r=http%3A%2F%2Fwww.example.nl%2Fav-2024"
            )
        );
    }

    #[test]
    fn tradedoubler_sloppy_xml_is_recovered() {
        let sink = read_ok(fixture!("tradedoubler-malformed.xml"), &["product"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 2);
        let first = recs[0];
        assert_eq!(
            value(&sink, first, "imageUrl"),
            Some("http://www.example-games.se/thumb.php?w=150&img=images/boxshots/1001.jpg")
        );
        let description = value(&sink, first, "description").unwrap_or_default();
        assert!(description.starts_with("Ett racingspel"), "{description:?}");
        assert!(description.contains("###\u{a0}Plattform: PS5 Språk: svenska, Förpackning"));
        assert!(description.ends_with("Pris år 2024 å."), "{description:?}");
        assert_eq!(value(&sink, first, "ean"), Some("7350000000019"));
        assert_eq!(value(&sink, first, "sku"), None);
        assert_eq!(value(&sink, first, "fields"), None);
        let kinds = warning_kinds(first);
        assert!(kinds.contains(&"html_entity"), "{kinds:?}");
        assert!(kinds.contains(&"bare_ampersand"), "{kinds:?}");
        let details: Vec<&str> = first.warnings.iter().map(|w| w.detail.as_str()).collect();
        assert!(details.contains(&"&aring; in description"), "{details:?}");
        assert!(details.contains(&"bare & in imageUrl"), "{details:?}");
        assert_eq!(
            details
                .iter()
                .filter(|d| **d == "&aring; in description")
                .count(),
            1
        );
        assert!(recs[1].warnings.is_empty());
    }

    #[test]
    fn partnerboost_items() {
        let sink = read_ok(fixture!("partnerboost.xml"), &["item"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 2);
        assert_eq!(value(&sink, recs[0], "updated-at"), Some("1710122547"));
        assert_eq!(value(&sink, recs[0], "price"), Some("34.32"));
        assert_eq!(value(&sink, recs[1], "old_price"), None);
        assert_eq!(value(&sink, recs[1], "tracking_url"), None);
        assert!(sink.names.get("code").is_none());
    }

    #[test]
    fn partnerads_children_of_root() {
        let sink = read_ok(fixture!("partnerads.xml"), &[]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 2);
        assert_eq!(
            value(&sink, recs[0], "produktnavn"),
            Some("Stavblender sølv MSM6")
        );
        assert_eq!(value(&sink, recs[0], "nypris"), Some("449.00"));
        assert_eq!(value(&sink, recs[0], "lagerantal"), Some("50+"));
        assert_eq!(
            value(&sink, recs[0], "vareurl"),
            Some(
                "https://www.partner-ads.com/dk/klikbanner.php?bannerid=1&partnerid=2&htmlurl=\
                 https://www.example.dk/product/20022?utm_source=partnerads&amp;utm_medium=affiliate"
            ),
            "only one level of escaping is decoded"
        );
        assert_eq!(
            value(&sink, recs[1], "produktnavn"),
            Some("Støvsuger Æblegrøn")
        );
    }

    #[test]
    fn values_are_trimmed_joined_and_repeated_in_order() {
        let xml = "<r><p>\n  <a>  x  </a><a>y</a><b>   </b><c>1 &lt; 2 <![CDATA[& 3]]> &#x41;&#66;</c><a>z</a>\
                   <d>one<e>two</e>three</d></p></r>";
        let sink = read_ok(xml, &["p"]);
        let rec = records(&sink)[0];
        assert_eq!(values(&sink, rec, "a"), ["x", "y", "z"]);
        assert_eq!(value(&sink, rec, "b"), None);
        assert_eq!(value(&sink, rec, "c"), Some("1 < 2 & 3 AB"));
        assert_eq!(values(&sink, rec, "d"), ["one", "three"]);
        assert_eq!(value(&sink, rec, "d/e"), Some("two"));
        assert!(rec.warnings.is_empty());
    }

    #[test]
    fn attributes_and_name_keyed_elements() {
        let xml = r#"<r><p id=" 7 " xmlns:x="urn:x"><link href="a?x=1&y=2&amp;z=&nbsp;1" x:rel="alt"/>
            <param name="Färg" unit="none">Röd</param><param name="">blank</param>
            <spec name="size"><v>XL</v></spec></p></r>"#;
        let sink = read_ok(xml, &["p"]);
        let rec = records(&sink)[0];
        assert_eq!(value(&sink, rec, "@id"), Some("7"));
        assert_eq!(value(&sink, rec, "link@href"), Some("a?x=1&y=2&z=\u{a0}1"));
        assert_eq!(value(&sink, rec, "link@x:rel"), Some("alt"));
        assert_eq!(value(&sink, rec, "Färg"), Some("Röd"));
        assert_eq!(value(&sink, rec, "Färg@unit"), Some("none"));
        assert_eq!(value(&sink, rec, "param"), Some("blank"));
        assert_eq!(value(&sink, rec, "size/v"), Some("XL"));
        assert!(sink.names.get("@xmlns:x").is_none());
        let kinds = warning_kinds(rec);
        assert!(
            kinds.contains(&"bare_ampersand") && kinds.contains(&"html_entity"),
            "{kinds:?}"
        );
    }

    #[test]
    fn odd_references_are_kept_with_a_warning() {
        let xml = "<r><p><a>x &foo; &#0; &#xZZ; a & b; c</a></p></r>";
        let sink = read_ok(xml, &["p"]);
        let rec = records(&sink)[0];
        assert_eq!(value(&sink, rec, "a"), Some("x &foo; &#0; &#xZZ; a & b; c"));
        assert_eq!(
            warning_kinds(rec),
            [
                "unknown_entity",
                "bad_char_ref",
                "bad_char_ref",
                "bare_ampersand"
            ]
        );
    }

    #[test]
    fn nested_record_named_elements_are_fields() {
        let xml = "<r><product><id>1</id><related><product>2</product></related></product>\
                   <product><id>3</id></product></r>";
        let sink = read_ok(xml, &["product"]);
        let recs = records(&sink);
        assert_eq!(recs.len(), 2);
        assert_eq!(value(&sink, recs[0], "related/product"), Some("2"));
        assert_eq!(recs[1].number, 2);
    }

    #[test]
    fn broken_records_are_skipped_and_reading_goes_on() {
        let xml = "<r>\
            <p><name>one</name><desc>a <br> b</desc></p>\
            <p><name>two</name></p>\
            <p><name>three</nam></p>\
            <p><name>a < b</name></p>\
            <p><name>five</name><x a=b/></p>\
            <p><name>six</name></p>\
            <p><name>seven</name>\
            </r>";
        let sink = read_ok(xml, &["p"]);
        let summary: Vec<(u64, bool)> = sink
            .items
            .iter()
            .map(|item| match item {
                ReadItem::Record(r) => (r.number, true),
                ReadItem::Malformed { number, .. } => (*number, false),
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, true),
                (2, true),
                (3, false),
                (4, false),
                (5, false),
                (6, true),
                (7, false)
            ]
        );
        let ReadItem::Record(first) = &sink.items[0] else {
            panic!("an unclosed <br> in a field should not cost the record");
        };
        assert_eq!(value(&sink, first, "desc"), Some("a   b"));
        assert_eq!(warning_kinds(first), ["unclosed_html"]);
        let ReadItem::Malformed {
            message, excerpt, ..
        } = &sink.items[2]
        else {
            panic!("third record should be malformed");
        };
        assert!(message.contains("</nam>"), "{message}");
        assert!(
            excerpt.contains("name=three") || excerpt.is_empty(),
            "{excerpt}"
        );
        let ReadItem::Malformed { message, .. } = &sink.items[6] else {
            panic!("last record should be malformed");
        };
        assert!(message.contains("not closed before </r>"), "{message}");
    }

    #[test]
    fn document_level_breakage_is_an_error() {
        let cases = [
            (
                "<r><title>x</titel><p><a>1</a></p></r>",
                "mismatch outside a record",
            ),
            ("<r><p><a>1</a></p></r><r2/>", "second root"),
            ("</r>", "end tag outside root"),
            (&"<a>".repeat(MAX_DEPTH + 1), "too deep"),
        ];
        for (xml, what) in cases {
            assert!(
                matches!(read(xml, &["p"]), Err(FeedError::Xml { .. })),
                "{what}: {:?}",
                read(xml, &["p"]).map(|s| s.items)
            );
        }
    }

    #[test]
    fn truncated_documents_are_errors() {
        let full = fixture!("adtraction.xml");
        let cuts = [
            full.find("<Shipping>0").unwrap_or(0),
            full.find("<Currency>").unwrap_or(0) + 4,
            full.rfind("</productFeed>").unwrap_or(0),
            full.len() - 3,
        ];
        for cut in cuts {
            let result = read(&full[..cut], &["product"]);
            assert!(
                matches!(result, Err(FeedError::Truncated(_))),
                "cut at {cut}: {:?}",
                result.map(|s| s.items.len())
            );
        }
        assert!(read(full, &["product"]).is_ok());
    }

    #[test]
    fn non_xml_is_an_error() {
        assert!(matches!(read("", &["p"]), Err(FeedError::Empty)));
        assert!(matches!(read(" \n ", &["p"]), Err(FeedError::Empty)));
        for input in [
            "this is not xml",
            "{\"products\": [{\"name\": \"<b>\"}]}",
            "sku,name\n1,<b>\n",
            "<?xml version=\"1.0\"?>",
            "<!-- only a comment -->",
            "<!bogus>",
        ] {
            let result = read(input, &["p"]);
            assert!(
                matches!(result, Err(FeedError::Xml { .. })),
                "{input:?}: {result:?}"
            );
        }
        let mut sink = CollectedRecords::default();
        let invalid_utf8: &[u8] = b"<r><p><a>\xff\xfe</a></p></r>";
        assert!(read_xml(invalid_utf8, &options(&["p"]), &mut sink).is_err());
    }

    #[test]
    fn a_stopped_sink_stops_reading() {
        let mut calls = 0;
        let mut sink = |_: ReadItem, _: &FieldNames| -> Result<(), FeedError> {
            calls += 1;
            Err(FeedError::Stopped)
        };
        let result = read_xml(
            fixture!("google-rss.xml").as_bytes(),
            &options(&["item"]),
            &mut sink,
        );
        assert!(matches!(result, Err(FeedError::Stopped)));
        assert_eq!(calls, 1);
    }

    #[test]
    fn io_errors_are_mapped() {
        struct Failing;
        impl io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"))
            }
        }
        let mut sink = CollectedRecords::default();
        let result = read_xml(io::BufReader::new(Failing), &options(&["p"]), &mut sink);
        assert!(matches!(result, Err(FeedError::Truncated(_))), "{result:?}");
    }

    #[test]
    fn keys_are_interned_once_across_records() {
        let xml = "<r><p><a>1</a><b>2</b></p><p><b>3</b></p><p><c>4</c><a>5</a><b>6</b></p></r>";
        let sink = read_ok(xml, &["p"]);
        assert_eq!(sink.names.len(), 3);
        let recs = records(&sink);
        assert_eq!(value(&sink, recs[1], "b"), Some("3"));
        assert_eq!(values(&sink, recs[2], "a"), ["5"]);
        assert_eq!(value(&sink, recs[2], "b"), Some("6"));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut sink = CollectedRecords::default();
            let _ = read_xml(bytes.as_slice(), &options(&["p"]), &mut sink);
        }

        #[test]
        fn xml_like_text_never_panics(
            text in "(<p>|</p>|<a b=\"&x;\">|</a>|<a/>|<g:x xmlns:g=\"http://base.google.com/ns/1.0\">|</g:x>|&amp;|&nbsp;|&#x41;|&|;|<!\\[CDATA\\[|\\]\\]>|<!--|-->|<\\?x\\?>|<|>|\"|=|[a-z ]){0,40}",
            empty_elements in any::<bool>(),
        ) {
            let elements: &[&str] = if empty_elements { &[] } else { &["p", "a"] };
            let xml = format!("<r>{text}</r>");
            let _ = read(&xml, elements);
            let _ = read(&text, elements);
        }

        #[test]
        fn every_cut_before_the_root_closes_is_an_error(cut in 0usize..2400) {
            let full = fixture!("tradetracker.xml");
            let end = full.rfind('>').unwrap_or(0);
            let cut = cut.min(end);
            if let Some(prefix) = full.get(..cut) {
                prop_assert!(read(prefix, &["product"]).is_err());
            }
        }
    }
}
