//! The `[store]` section of the sources file: where the store is when it is not a file.
//!
//! ```toml
//! [store]
//! url = "postgres://feedmill@db.internal:5432/feedmill"   # password: FEEDMILL_STORE_PASSWORD
//! ```
//!
//! Without the section the commands keep their SQLite file (`--store`, default `feedmill.db`
//! beside the index); `--store` given on the command line wins over the section. The password
//! never sits in the file: a URL carrying one is refused, and the store reads it from
//! `FEEDMILL_STORE_PASSWORD` (or libpq's `PGPASSWORD`) when it connects.

use serde::Deserialize;

/// The `[store]` section; absent means the SQLite file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// A Postgres server, `postgres://user@host:port/database`.
    pub url: Option<String>,
}

impl StoreConfig {
    /// Checks the section as written: a `postgres://` (or `postgresql://`) URL without a
    /// password in it.
    pub(crate) fn validated(self) -> Result<StoreConfig, String> {
        let Some(url) = &self.url else {
            return Ok(self);
        };
        let Some((_, rest)) = url
            .split_once("://")
            .filter(|(scheme, _)| matches!(*scheme, "postgres" | "postgresql"))
        else {
            return Err("[store] url must be a postgres:// URL".into());
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let user_info = authority.rsplit_once('@').map(|(user, _)| user);
        let query = rest.split_once('?').map_or("", |(_, query)| query);
        let password_in_query = query
            .split('&')
            .any(|pair| pair.split('=').next() == Some("password"));
        if user_info.is_some_and(|user| user.contains(':')) || password_in_query {
            return Err(
                "[store] url must not hold the password: set FEEDMILL_STORE_PASSWORD".into(),
            );
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<StoreConfig, String> {
        StoreConfig {
            url: Some(url.into()),
        }
        .validated()
    }

    #[test]
    fn a_postgres_url_without_a_password_is_taken() {
        assert!(check("postgres://feedmill@127.0.0.1:5432/feedmill").is_ok());
        assert!(check("postgresql://db.internal/feedmill?sslmode=disable").is_ok());
        assert!(StoreConfig::default().validated().is_ok());
    }

    #[test]
    fn a_password_or_another_scheme_is_refused() {
        let err = check("postgres://feedmill:s3cret@127.0.0.1/feedmill").err();
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("FEEDMILL_STORE_PASSWORD"))
        );
        assert!(!err.unwrap_or_default().contains("s3cret"));
        assert!(check("postgres://feedmill@h/db?password=s3cret").is_err());
        assert!(check("mysql://feedmill@h/db").is_err());
        assert!(check("feedmill.db").is_err());
    }
}
