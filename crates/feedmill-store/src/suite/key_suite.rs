//! The [`KeyStore`](crate::KeyStore) part of the suite: run-time API keys.

use super::day;
use crate::api_key::StoredApiKey;
use crate::error::StoreResult;
use crate::store::Store;

fn key(id: &str, digest: &str, created_day: i64) -> StoredApiKey {
    StoredApiKey {
        key_id: id.into(),
        name: format!("key {id}"),
        secret_sha256: digest.into(),
        prefix: "fmk_abcd".into(),
        actions: vec!["search".into(), "links".into()],
        sources: Some("shop-*".into()),
        allowed_origins: vec!["https://shop.example".into()],
        expires_at: Some(day(30)),
        requests_per_minute: Some(120),
        created_at: day(created_day),
    }
}

pub(crate) fn an_api_key_keeps_every_field(store: &impl Store) -> StoreResult<()> {
    let mut bare = key("b", &"b".repeat(64), 2);
    bare.sources = None;
    bare.allowed_origins.clear();
    bare.expires_at = None;
    bare.requests_per_minute = None;
    let full = key("a", &"a".repeat(64), 1);
    store.insert_api_key(&bare)?;
    store.insert_api_key(&full)?;
    assert_eq!(store.api_keys()?, vec![full, bare], "oldest first");
    Ok(())
}

pub(crate) fn an_api_key_digest_is_stored_once(store: &impl Store) -> StoreResult<()> {
    store.insert_api_key(&key("a", &"a".repeat(64), 1))?;
    assert!(store.insert_api_key(&key("b", &"a".repeat(64), 1)).is_err());
    assert!(store.insert_api_key(&key("a", &"c".repeat(64), 1)).is_err());
    assert_eq!(store.api_keys()?.len(), 1);
    Ok(())
}

pub(crate) fn a_deleted_api_key_is_gone(store: &impl Store) -> StoreResult<()> {
    store.insert_api_key(&key("a", &"a".repeat(64), 1))?;
    store.insert_api_key(&key("b", &"b".repeat(64), 1))?;
    assert!(store.delete_api_key("a")?);
    assert!(!store.delete_api_key("a")?, "a second delete finds nothing");
    let left: Vec<String> = store.api_keys()?.into_iter().map(|k| k.key_id).collect();
    assert_eq!(left, ["b"]);
    Ok(())
}
