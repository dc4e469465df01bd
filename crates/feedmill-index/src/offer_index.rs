//! [`OfferIndex`]: the on-disk (or in-RAM) offer index, its one writer and its reader.

use crate::error::IndexError;
use crate::grouped_caches::{Builder, GroupCaches};
use crate::schema::{OfferSchema, tokenizer_manager};
use crate::snapshot_warmer::SnapshotWarmer;
use crate::source_catalog::SourceCatalog;
use crate::writer_slot::{WriterSettings, WriterSlot};
use chrono::{DateTime, Utc};
use feedmill_model::Offer;
use feedmill_search::normalize_gtin14;
use feedmill_search::{Generation, PricedOffer, RequestError, SourceStats};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use tantivy::collector::{Count, DocSetCollector};
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexSettings, ReloadPolicy, Searcher, TERMINATED,
    TantivyDocument, TantivyError, Term, Warmer,
};

/// The doc store's block size: a quarter of tantivy's default (16 KiB), a dozen offers. A search
/// reads each offer of its page from the store, one block decompressed per offer; with smaller
/// blocks that costs a quarter as much, for an index ~20 % larger (the store compresses less).
/// At 1M offers the HTTP load gained 3–12 % (365 against 300 bytes per offer).
const DOCSTORE_BLOCK_BYTES: usize = 4096;

/// The settings of a new index; an existing index keeps those it was made with.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

/// The offer index. Cheap to clone: clones share one tantivy index, one reader and one writer,
/// so the CLI and the HTTP API hand the same value to every task.
#[derive(Clone)]
pub struct OfferIndex {
    pub(crate) inner: Arc<IndexInner>,
}

pub(crate) struct IndexInner {
    pub index: Index,
    pub reader: IndexReader,
    pub schema: OfferSchema,
    pub writer: WriterSlot,
    /// The group tables and the whole catalogue's ranked lists of the two newest snapshots,
    /// per grouping (and sort), which the reader's warmer fills on reload.
    pub group_caches: Arc<GroupCaches>,
    /// Kept alive here: the reader holds it weakly.
    _warmer: Arc<SnapshotWarmer>,
    /// The directory, or `in-ram`, for messages.
    pub location: String,
    /// "Now" of the history filters, in seconds since the epoch; [`WALL_CLOCK`] reads the
    /// system clock (tests and `--now` set it).
    pub search_time: AtomicI64,
}

/// [`IndexInner::search_time`] when searches read the system clock.
const WALL_CLOCK: i64 = i64::MIN;

impl OfferIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when missing. Opening
    /// never takes the writer lock: searches and `stats` work while another process ingests.
    pub fn open_or_create(dir: &Path) -> Result<OfferIndex, IndexError> {
        OfferIndex::open_or_create_with(dir, WriterSettings::ON_DISK)
    }

    pub(crate) fn open_or_create_with(
        dir: &Path,
        settings: WriterSettings,
    ) -> Result<OfferIndex, IndexError> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let directory = MmapDirectory::open(dir).map_err(|source| IndexError::OpenDirectory {
            path: dir.to_path_buf(),
            source,
        })?;
        let location = dir.display().to_string();
        let schema = OfferSchema::build();
        let index = Index::builder()
            .schema(schema.schema.clone())
            .settings(index_settings())
            .tokenizers(tokenizer_manager())
            .open_or_create(directory)
            .map_err(|err| match err {
                TantivyError::SchemaError(_) => IndexError::SchemaMismatch {
                    location: location.clone(),
                },
                other => IndexError::Tantivy(other),
            })?;
        OfferIndex::from_index(index, schema, location, settings)
    }

    /// An empty index in memory: the test double of the on-disk index, same behaviour.
    pub fn in_ram() -> Result<OfferIndex, IndexError> {
        let schema = OfferSchema::build();
        let index = Index::builder()
            .schema(schema.schema.clone())
            .settings(index_settings())
            .tokenizers(tokenizer_manager())
            .create_in_ram()?;
        OfferIndex::from_index(index, schema, "in-ram".into(), WriterSettings::IN_RAM)
    }

    fn from_index(
        index: Index,
        schema: OfferSchema,
        location: String,
        settings: WriterSettings,
    ) -> Result<OfferIndex, IndexError> {
        // Our own commits reload the reader at once (see `SourceIngest::commit`); the delay
        // policy also picks up commits of another process (the CLI ingesting under the API).
        // Each reload warms the new snapshot before searches see it (`snapshot_warmer.rs`).
        let group_caches = Arc::new(GroupCaches::default());
        let warmer = Arc::new(SnapshotWarmer::new(group_caches.clone(), schema.clone()));
        let weak_warmer: Weak<dyn Warmer> = Arc::downgrade(&warmer) as Weak<dyn Warmer>;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .warmers(vec![weak_warmer])
            .try_into()?;
        let inner = IndexInner {
            index,
            reader,
            schema,
            writer: WriterSlot::new(settings),
            group_caches,
            _warmer: warmer,
            location,
            search_time: AtomicI64::new(WALL_CLOCK),
        };
        Ok(OfferIndex {
            inner: Arc::new(inner),
        })
    }

    /// Where the index lives (`in-ram` for the test double).
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    /// Sets the "now" that `dropped_within` and `at_lowest` measure from (`None`: the system
    /// clock, the default), for tests and replays of simulated days.
    pub fn set_search_time(&self, now: Option<DateTime<Utc>>) {
        let seconds = now.map_or(WALL_CLOCK, |now| now.timestamp());
        self.inner.search_time.store(seconds, Ordering::Relaxed);
    }

    /// The "now" of the history filters.
    pub fn search_time(&self) -> DateTime<Utc> {
        match self.inner.search_time.load(Ordering::Relaxed) {
            WALL_CLOCK => Utc::now(),
            seconds => DateTime::from_timestamp(seconds, 0).unwrap_or_else(Utc::now),
        }
    }

    /// Whether a reload builds the new snapshot's group tables and whole-catalogue lists before
    /// searches see it (on by default); off, the first search that needs one builds it. Only
    /// for measuring the difference.
    #[doc(hidden)]
    pub fn set_snapshot_warming(&self, on: bool) {
        self.inner.group_caches.warming.store(on, Ordering::Relaxed);
    }

    /// Group tables and whole-catalogue lists built so far by searches and by reloads, in
    /// that order. Only for measuring.
    #[doc(hidden)]
    pub fn grouped_builds(&self) -> (u64, u64) {
        let caches = &self.inner.group_caches;
        let by = |builder| caches.num_built_by(builder);
        (by(Builder::Search), by(Builder::Warmer))
    }

    /// Makes searches see the last commit now, e.g. after another process ingested.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.inner.reader.reload()?)
    }

    /// Offers in the index, all sources.
    pub fn num_offers(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Every source's metadata as of the last commit, by source name.
    pub fn stats(&self) -> Result<Vec<SourceStats>, IndexError> {
        Ok(self.committed_catalog()?.stats())
    }

    /// The content hash the last ingest of `source` recorded, to skip an unchanged feed.
    pub fn source_content_hash(&self, source: &str) -> Result<Option<String>, IndexError> {
        let catalog = self.committed_catalog()?;
        Ok(catalog.get(source).map(|stats| stats.content_hash.clone()))
    }

    /// The offer with this id.
    pub fn get_offer(&self, id: &str) -> Result<Option<Offer>, IndexError> {
        Ok(self.get_priced_offer(id)?.map(|priced| priced.offer))
    }

    /// The offer with this id and its honest numbers.
    pub fn get_priced_offer(&self, id: &str) -> Result<Option<PricedOffer>, IndexError> {
        let searcher = self.searcher();
        match self.address_of_id(&searcher, id)? {
            Some(address) => Ok(Some(self.load_priced_offer(&searcher, address)?)),
            None => Ok(None),
        }
    }

    /// Where the live offer with this id is: a probe of each segment's term dictionary for the
    /// id, without a query's weight and scoring (a click-out's lookup; half its index time
    /// went to BM25 weights and the top-docs collector).
    fn address_of_id(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<DocAddress>, IndexError> {
        let term = Term::from_field_text(self.inner.schema.id, id);
        for (ordinal, segment) in (0u32..).zip(searcher.segment_readers()) {
            let inverted = segment.inverted_index(self.inner.schema.id)?;
            let postings = inverted.read_postings(&term, IndexRecordOption::Basic);
            let Some(mut postings) = postings.map_err(TantivyError::from)? else {
                continue;
            };
            let alive = segment.alive_bitset();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|bits| bits.is_alive(doc)) {
                    return Ok(Some(DocAddress::new(ordinal, doc)));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    /// Every offer of one product, cheapest total (price + shipping) first. Any GTIN length is
    /// accepted and compared in its 14-digit form.
    pub fn offers_by_gtin(&self, gtin: &str) -> Result<Vec<Offer>, IndexError> {
        let priced = self.priced_offers_by_gtin(gtin)?;
        Ok(priced.into_iter().map(|priced| priced.offer).collect())
    }

    /// [`OfferIndex::offers_by_gtin`] with each offer's honest numbers.
    pub fn priced_offers_by_gtin(&self, gtin: &str) -> Result<Vec<PricedOffer>, IndexError> {
        let gtin14 = normalize_gtin14(gtin)?;
        let searcher = self.searcher();
        let term = Term::from_field_text(self.inner.schema.gtin14, &gtin14);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let addresses = searcher.search(&query, &DocSetCollector)?;
        let mut offers = self.load_priced_offers(&searcher, addresses)?;
        offers.sort_by(|a, b| cheapest_first(&a.offer, &b.offer));
        Ok(offers)
    }

    /// Every offer the matcher placed in `product_id`, cheapest total first, with their honest
    /// numbers. Text that is no product id (`p` + 12 hex digits) is a user error.
    pub fn priced_offers_by_product(
        &self,
        product_id: &str,
    ) -> Result<Vec<PricedOffer>, IndexError> {
        let key = feedmill_model::product_key(product_id).ok_or_else(|| {
            RequestError::invalid(
                "product_id",
                format!("{product_id:?} is not a product id (p and 12 hex digits)"),
            )
        })?;
        let searcher = self.searcher();
        let term = Term::from_field_u64(self.inner.schema.product_key, key);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let addresses = searcher.search(&query, &DocSetCollector)?;
        let mut offers = self.load_priced_offers(&searcher, addresses)?;
        offers.sort_by(|a, b| cheapest_first(&a.offer, &b.offer));
        Ok(offers)
    }

    pub(crate) fn searcher(&self) -> Searcher {
        self.inner.reader.searcher()
    }

    pub(crate) fn load_offer(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<Offer, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        self.inner.schema.to_offer(&doc)
    }

    pub(crate) fn load_priced_offer(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<PricedOffer, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        self.inner.schema.to_priced_offer(&doc)
    }

    /// The priced offers at `addresses`, read in doc-store order.
    pub(crate) fn load_priced_offers(
        &self,
        searcher: &Searcher,
        addresses: impl IntoIterator<Item = DocAddress>,
    ) -> Result<Vec<PricedOffer>, IndexError> {
        let mut addresses: Vec<DocAddress> = addresses.into_iter().collect();
        // Doc-store order reads each compressed block once.
        addresses.sort_unstable();
        let mut offers = Vec::with_capacity(addresses.len());
        for address in addresses {
            offers.push(self.load_priced_offer(searcher, address)?);
        }
        Ok(offers)
    }

    /// Offers of `source` the searcher sees.
    pub(crate) fn count_source(
        &self,
        searcher: &Searcher,
        source: &str,
    ) -> Result<u64, IndexError> {
        let term = Term::from_field_text(self.inner.schema.source, source);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        Ok(searcher.search(&query, &Count)? as u64)
    }

    fn committed_catalog(&self) -> Result<SourceCatalog, IndexError> {
        let metas = self.inner.index.load_metas()?;
        SourceCatalog::from_payload(metas.payload.as_deref())
    }
}

/// What identifies the snapshot `searcher` reads: its segments and their deletes. Reloads that
/// change nothing give the same generation.
pub(crate) fn snapshot_generation(searcher: &Searcher) -> Generation {
    let mut hasher = std::hash::DefaultHasher::new();
    for reader in searcher.segment_readers() {
        reader.segment_id().hash(&mut hasher);
        reader.delete_opstamp().hash(&mut hasher);
    }
    Generation(hasher.finish())
}

/// Cheapest total first; ties by price, then id, so the order is stable.
#[cfg(test)]
pub(crate) fn sort_cheapest_first(offers: &mut [Offer]) {
    offers.sort_by(cheapest_first);
}

pub(crate) fn cheapest_first(a: &Offer, b: &Offer) -> std::cmp::Ordering {
    a.total_price()
        .cmp(&b.total_price())
        .then(a.price.cmp(&b.price))
        .then_with(|| a.id.cmp(&b.id))
}

impl std::fmt::Debug for OfferIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferIndex")
            .field("location", &self.inner.location)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}

    #[test]
    fn can_be_shared_across_threads_and_tasks() {
        assert_send_sync::<OfferIndex>();
        assert_send::<crate::SourceIngest>();
    }

    #[test]
    fn opening_creates_the_directory() -> Result<(), Box<dyn std::error::Error>> {
        let scratch = tempfile::tempdir()?;
        let dir = scratch.path().join("nested").join("index");
        let index = OfferIndex::open_or_create(&dir)?;
        assert_eq!(index.num_offers(), 0);
        assert!(dir.join("meta.json").exists());
        let settings = index.inner.index.settings();
        assert_eq!(settings.docstore_blocksize, DOCSTORE_BLOCK_BYTES);
        let reopened = OfferIndex::open_or_create(&dir)?;
        assert_eq!(reopened.inner.index.settings(), settings);
        Ok(())
    }
}
