//! Connecting to the server: the client settings of a URL (its password from the
//! environment when it has none), connections with durable commits, and the URL as shown
//! (without its password).

use crate::error::{StoreError, StoreResult, describe_postgres};
use postgres::{Client, Config, NoTls};
use std::time::Duration;

/// Environment variables the password is read from, first found first: feedmill's own, then
/// libpq's.
pub const PASSWORD_VARIABLES: [&str; 2] = ["FEEDMILL_STORE_PASSWORD", "PGPASSWORD"];
/// How long connecting may take before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The client settings of `url` with `password` (when the URL has none), and its label.
pub(crate) fn config_of(url: &str, password: Option<&str>) -> StoreResult<(Config, String)> {
    let label = redacted(url);
    let mut config: Config = url.parse().map_err(|err| StoreError::PostgresOpen {
        url: label.clone(),
        reason: describe_postgres(&err),
    })?;
    if let (None, Some(password)) = (config.get_password(), password) {
        config.password(password);
    }
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("feedmill");
    Ok((config, label))
}

/// The first password found in [`PASSWORD_VARIABLES`].
pub fn password_from_env() -> Option<String> {
    PASSWORD_VARIABLES
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}

/// True when `location` names a Postgres server rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// `url` with any password replaced by `***`, fit for logs and errors.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = redact_query_password(path);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// A `password=` query parameter hidden too.
fn redact_query_password(path: &str) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let parameters: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", parameters.join("&"))
}

/// A new connection, durable commits on.
pub(crate) fn connect(config: &Config) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute("SET synchronous_commit = on")?;
    Ok(client)
}
