//! Fresh Postgres stores for the suite: one schema per test in the database named by
//! `FEEDMILL_TEST_POSTGRES_URL` (the password from `FEEDMILL_STORE_PASSWORD` or `PGPASSWORD`),
//! dropped when the test ends. `tests/store/postgres run -- cargo test -p feedmill-store` starts
//! a server on 127.0.0.1 and sets them; without the URL each Postgres test says it did not run
//! and passes without checking anything.

use super::StoreFixture;
use crate::error::StoreResult;
use crate::postgres::{PostgresStore, password_from_env};
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the test server.
pub(crate) const URL_VARIABLE: &str = "FEEDMILL_TEST_POSTGRES_URL";

/// A store in a new schema of the test server, or `None` (said on stderr) when there is none.
pub(crate) fn postgres_fixture(test: &str) -> StoreResult<Option<StoreFixture<PostgresStore>>> {
    let Some((store, schema)) = store_in_new_schema(test)? else {
        return Ok(None);
    };
    Ok(Some(StoreFixture {
        store,
        _keep: Box::new(schema),
    }))
}

/// A store in a schema of its own, and the guard that drops the schema.
pub(crate) fn store_in_new_schema(
    test: &str,
) -> StoreResult<Option<(PostgresStore, DroppedSchema)>> {
    let Ok(url) = std::env::var(URL_VARIABLE) else {
        eprintln!(
            "{test}: Postgres variant not run, {URL_VARIABLE} not set (run it with \
             tests/store/postgres run -- cargo test -p feedmill-store)"
        );
        return Ok(None);
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t{}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_millis(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut config: postgres::Config = url.parse()?;
    if let (None, Some(password)) = (config.get_password(), password_from_env()) {
        config.password(password);
    }
    let guard = DroppedSchema::create(config.clone(), &schema)?;
    let store = guard.open_store()?;
    Ok(Some((store, guard)))
}

/// A schema created for one test, dropped with everything in it when the guard goes.
pub(crate) struct DroppedSchema {
    config: postgres::Config,
    pub(crate) schema: String,
}

impl DroppedSchema {
    /// The client settings of the schema's stores: the server's, in the schema.
    pub(crate) fn config(&self) -> postgres::Config {
        let mut config = self.config.clone();
        config.options(&format!("-c search_path={}", self.schema));
        // The schema names the connections too, so a test can find its store's own.
        config.application_name(&self.schema);
        config
    }

    /// Another store on the schema (as another process would open it).
    pub(crate) fn open_store(&self) -> StoreResult<PostgresStore> {
        PostgresStore::open_config(self.config(), format!("test schema {}", self.schema))
    }

    fn create(config: postgres::Config, schema: &str) -> StoreResult<DroppedSchema> {
        let mut client = config.connect(postgres::NoTls)?;
        client.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
        Ok(DroppedSchema {
            config,
            schema: schema.to_string(),
        })
    }
}

impl Drop for DroppedSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = self.config.connect(postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema));
        }
    }
}
