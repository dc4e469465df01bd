//! The query parameters of `GET /matches`, in the same kind of table as the search's (it
//! validates requests and describes them in the OpenAPI document).

use crate::error::ApiError;
use crate::params::{ParamKind, ParamSpec, ParamValues, QueryParams, param};

/// Largest page of `GET /matches`.
pub(crate) const MAX_MATCHES_PER_PAGE: usize = 100;
const DEFAULT_MATCHES_PER_PAGE: usize = 20;
/// Pages reach this far: 1,000 pages of 100 entries.
const MAX_MATCHES_PAGE: usize = 1_000;

pub(crate) const MATCHES_PARAMS: &[ParamSpec] = &[
    param(
        "status",
        ParamKind::Text,
        "review (default: pairs waiting for an operator, best score first) or pinned (the operators' pins, oldest first)",
    )
    .values(ParamValues::OneOf(status_names)),
    param("page", ParamKind::Integer, "1-based page, at most 1000")
        .values(ParamValues::Range(1, MAX_MATCHES_PAGE as u64)),
    param(
        "per_page",
        ParamKind::Integer,
        "Entries per page, 1 to 100 (default 20)",
    )
    .values(ParamValues::Range(1, MAX_MATCHES_PER_PAGE as u64)),
];

/// Which list `GET /matches` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchStatus {
    Review,
    Pinned,
}

fn status_names() -> Vec<String> {
    ["review", "pinned"].map(String::from).to_vec()
}

/// The list, page and page size of `GET /matches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MatchesRequest {
    pub status: MatchStatus,
    pub page: usize,
    pub per_page: usize,
}

impl MatchesRequest {
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }
}

pub(crate) fn matches_request(query: Option<&str>) -> Result<MatchesRequest, ApiError> {
    let params = QueryParams::parse(query, MATCHES_PARAMS, true)?;
    let status = match params.get("status").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("review") => MatchStatus::Review,
        Some("pinned") => MatchStatus::Pinned,
        Some(other) => {
            return Err(ApiError::invalid_parameter(
                "status",
                format!("expected review or pinned, got {other:?}"),
            ));
        }
    };
    let page = bounded(&params, "page", 1, MAX_MATCHES_PAGE)?.unwrap_or(1);
    let per_page =
        bounded(&params, "per_page", 1, MAX_MATCHES_PER_PAGE)?.unwrap_or(DEFAULT_MATCHES_PER_PAGE);
    Ok(MatchesRequest {
        status,
        page,
        per_page,
    })
}

fn bounded(
    params: &QueryParams,
    name: &'static str,
    min: usize,
    max: usize,
) -> Result<Option<usize>, ApiError> {
    let expected = format!("a whole number from {min} to {max}");
    let value: Option<usize> = params.parsed(name, &expected)?;
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(ApiError::invalid_parameter(
            name,
            format!("{v} is not between {min} and {max}"),
        )),
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn reads_the_list_and_page() -> Result<(), ApiError> {
        let default = matches_request(None)?;
        assert_eq!(
            (default.status, default.page, default.per_page),
            (MatchStatus::Review, 1, 20)
        );
        let pinned = matches_request(Some("status=PINNED&page=3&per_page=5"))?;
        assert_eq!((pinned.status, pinned.offset()), (MatchStatus::Pinned, 10));
        Ok(())
    }

    #[test]
    fn bad_values_are_400s_naming_the_parameter() {
        for (query, named) in [
            ("status=open", "status"),
            ("page=0", "page"),
            ("page=1001", "page"),
            ("per_page=101", "per_page"),
            ("per_page=x", "per_page"),
        ] {
            let err = matches_request(Some(query)).err();
            let err = err.unwrap_or_else(|| panic!("{query} was accepted"));
            assert_eq!(err.code, ErrorCode::InvalidParameter, "{query}");
            assert!(
                err.message.starts_with(&format!("invalid {named}:")),
                "{err:?}"
            );
        }
        let unknown = matches_request(Some("limit=5")).err();
        assert_eq!(unknown.map(|e| e.code), Some(ErrorCode::UnknownParameter));
    }
}
