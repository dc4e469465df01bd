//! A postback's fields as text, decoded from the query string and the body, ready for the
//! store's validator (`feedmill_store::validate_postback`, which owns every field rule).
//!
//! Bodies: `application/x-www-form-urlencoded`, `application/json` (an object whose values are
//! strings, numbers as written, booleans or `null` = absent) and `multipart/form-data` (each
//! part a field); an empty body needs no content type. Any other content type is a 415. Text
//! must be UTF-8 after percent-decoding: a byte sequence that is not is a 400, never replaced
//! by U+FFFD (which `url::form_urlencoded` would do silently, so the decoding is written here).
//! Fields keep their order and repetitions, so the validator can refuse a field given twice.

use crate::error::{ApiError, ErrorCode};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, header};
use percent_encoding::percent_decode;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// A field's name and its value as sent.
pub(crate) type Field = (String, String);

/// The body types a postback may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Form,
    Json,
    Multipart,
}

/// The body type named by `Content-Type`; `None` without one (allowed for an empty body).
pub(crate) fn body_kind(headers: &HeaderMap) -> Result<Option<BodyKind>, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(None);
    };
    let unsupported = |what: &str| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "postback body of type {what:?} is not supported; send application/x-www-form-urlencoded, application/json or multipart/form-data"
            ),
        )
    };
    let text = value.to_str().map_err(|_| unsupported("(not ASCII)"))?;
    let mut parts = text.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
    let kind = match essence.as_str() {
        "application/x-www-form-urlencoded" => BodyKind::Form,
        "application/json" => BodyKind::Json,
        "multipart/form-data" => return Ok(Some(BodyKind::Multipart)),
        _ => return Err(unsupported(text)),
    };
    for parameter in parts {
        let (name, charset) = parameter.split_once('=').unwrap_or((parameter, ""));
        let charset = charset.trim_matches('"');
        if name.eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8") {
            return Err(unsupported(text));
        }
    }
    Ok(Some(kind))
}

/// The fields of a URL-encoded text (a query string or a form body); `place` names it in
/// errors ("query string", "body").
pub(crate) fn decode_urlencoded(text: &[u8], place: &str) -> Result<Vec<Field>, ApiError> {
    let mut fields = Vec::new();
    for pair in text.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let split = pair.iter().position(|&b| b == b'=');
        let (name, value) = match split {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode_component(name, place)?;
        let value = decode_component(value, place)?;
        fields.push((name, value));
    }
    Ok(fields)
}

/// `+` is a space; `%XX` a byte; the bytes must be UTF-8.
fn decode_component(raw: &[u8], place: &str) -> Result<String, ApiError> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| not_utf8(place))
}

pub(crate) fn not_utf8(place: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRequest,
        format!("the postback {place} is not valid UTF-8"),
    )
}

/// The fields of a JSON object body.
pub(crate) fn decode_json(body: &[u8]) -> Result<Vec<Field>, ApiError> {
    std::str::from_utf8(body).map_err(|_| not_utf8("body"))?;
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let raw_fields = deserializer
        .deserialize_map(RawFieldsVisitor)
        .and_then(|fields| deserializer.end().map(|()| fields))
        .map_err(|err| {
            let code = if err.is_data() {
                ErrorCode::InvalidRequest
            } else {
                ErrorCode::MalformedJson
            };
            ApiError::new(code, format!("postback json body: {err}"))
        })?;
    let mut fields = Vec::with_capacity(raw_fields.len());
    for (name, raw) in raw_fields {
        if let Some(value) = json_value_text(&name, &raw)? {
            fields.push((name, value));
        }
    }
    Ok(fields)
}

/// A JSON value as the text the validator reads: a string's content, a number or boolean as
/// written; `None` for `null` (absent). Objects and arrays are refused for a field of the
/// contract; under any other name (a platform's `line_items`, `metadata`) they are kept as an
/// empty value, so the field is listed in `ignored_fields` like any unknown one.
fn json_value_text(name: &str, raw: &RawValue) -> Result<Option<String>, ApiError> {
    let text = raw.get();
    let of_contract = name == "program_id" || feedmill_store::is_postback_field(name);
    match text.as_bytes().first() {
        Some(b'{' | b'[') if !of_contract => Ok(Some(String::new())),
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(|err| ApiError::new(ErrorCode::MalformedJson, err.to_string())),
        Some(b'n') => Ok(None),
        Some(b'{' | b'[') | None => Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("field \"{name}\" must be a string or a number, not an object or array"),
        )),
        Some(_) => Ok(Some(text.to_owned())),
    }
}

/// Reads a JSON object into its (name, raw value) pairs, keeping order and repeated names.
struct RawFieldsVisitor;

impl<'de> Visitor<'de> for RawFieldsVisitor {
    type Value = Vec<(String, Box<RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json object of postback fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::new();
        while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
            fields.push(entry);
        }
        Ok(fields)
    }
}

/// The fields of a `multipart/form-data` body, one per part.
pub(crate) async fn decode_multipart(request: Request) -> Result<Vec<Field>, ApiError> {
    let invalid = |err: &dyn fmt::Display| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            format!("postback multipart body: {err}"),
        )
    };
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|err| invalid(&err.body_text()))?;
    let mut fields = Vec::new();
    while let Some(part) = multipart.next_field().await.map_err(|err| invalid(&err))? {
        let name = part
            .name()
            .map(str::to_owned)
            .ok_or_else(|| invalid(&"a part without a field name"))?;
        let bytes = part.bytes().await.map_err(|err| invalid(&err))?;
        let value = String::from_utf8(bytes.to_vec()).map_err(|_| not_utf8("body"))?;
        fields.push((name, value));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &[Field]) -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn url_encoding_is_decoded_and_must_be_utf8() -> Result<(), ApiError> {
        let fields = decode_urlencoded(b"order_id=A+1%2F2&sub_id=%C3%A4&x&amount=", "body")?;
        assert_eq!(
            pairs(&fields),
            [
                ("order_id", "A 1/2"),
                ("sub_id", "ä"),
                ("x", ""),
                ("amount", "")
            ]
        );
        for bad in [&b"order_id=%FF"[..], b"order_id=\xff", b"%C3=1"] {
            let err = decode_urlencoded(bad, "body").err();
            assert_eq!(err.map(|e| e.code), Some(ErrorCode::InvalidRequest));
        }
        Ok(())
    }

    #[test]
    fn json_values_keep_their_written_text() -> Result<(), ApiError> {
        let body =
            br#"{"order_id":"ORD-1","amount":299.99,"click_id":null,"quantity":3,"amount":1}"#;
        let fields = decode_json(body)?;
        assert_eq!(
            pairs(&fields),
            [
                ("order_id", "ORD-1"),
                ("amount", "299.99"),
                ("quantity", "3"),
                ("amount", "1")
            ]
        );
        let code = |body: &[u8]| decode_json(body).err().map(|e| e.code);
        assert_eq!(
            code(br#"{"order_id":{"a":1}}"#),
            Some(ErrorCode::InvalidParameter)
        );
        assert_eq!(
            code(br#"{"program_id":["a"]}"#),
            Some(ErrorCode::InvalidParameter)
        );
        let nested = decode_json(br#"{"order_id":"A","line_items":[{"sku":"x"}],"meta":{}}"#)?;
        assert_eq!(
            pairs(&nested),
            [("order_id", "A"), ("line_items", ""), ("meta", "")]
        );
        assert_eq!(code(br#"["order_id"]"#), Some(ErrorCode::InvalidRequest));
        assert_eq!(code(br#"{"order_id":"#), Some(ErrorCode::MalformedJson));
        assert_eq!(
            code(b"{\"order_id\":\"\xff\"}"),
            Some(ErrorCode::InvalidRequest)
        );
        Ok(())
    }

    #[test]
    fn content_types_are_recognised_or_refused() {
        let kind = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(value),
            );
            body_kind(&headers).map_err(|e| e.code)
        };
        assert_eq!(
            kind("application/json; charset=utf-8"),
            Ok(Some(BodyKind::Json))
        );
        assert_eq!(
            kind("Application/X-WWW-Form-Urlencoded"),
            Ok(Some(BodyKind::Form))
        );
        assert_eq!(
            kind("multipart/form-data; boundary=x"),
            Ok(Some(BodyKind::Multipart))
        );
        for refused in [
            "text/plain",
            "application/xml",
            "application/json; charset=latin1",
        ] {
            assert_eq!(
                kind(refused),
                Err(ErrorCode::UnsupportedMediaType),
                "{refused}"
            );
        }
        assert_eq!(body_kind(&HeaderMap::new()).map_err(|e| e.code), Ok(None));
    }
}
