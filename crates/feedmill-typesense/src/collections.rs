//! [`Collections`]: the two collections feedmill keeps in Typesense and the calls on them: the
//! offers (one document per offer per generation) and `…_meta` (one document per source: its
//! live generation and stats).

use crate::client::TypesenseClient;
use crate::error::TypesenseError;
use crate::live_set::{LiveSet, MetaDocument, meta_schema};
use crate::offer_document::offers_schema;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Sources read in one page of the meta collection; more are read through its export.
pub(crate) const META_PAGE: u64 = 250;
/// How long a write may take to show on every node that answers: Raft replication on a LAN
/// takes milliseconds; a node that needs longer is catching up after a restart.
const REPLICATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between two looks at a node that does not show a write yet.
const REPLICATION_POLL: Duration = Duration::from_millis(50);
/// How often an import answered short is sent again before the ingest fails.
const SHORT_IMPORT_RETRIES: u32 = 3;
/// The pause before sending a short import again, times the retry's number.
const SHORT_IMPORT_PAUSE: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub(crate) struct Collections {
    pub client: TypesenseClient,
    pub offers: String,
    pub meta: String,
}

impl Collections {
    /// Creates both collections when they are missing, and waits until every node has them.
    pub fn ensure(&self) -> Result<(), TypesenseError> {
        for (name, schema) in [
            (&self.offers, offers_schema(&self.offers)),
            (&self.meta, meta_schema(&self.meta)),
        ] {
            let path = ["collections", name.as_str()];
            let existing: Option<Value> =
                self.client.json::<(), _>(Method::GET, &path, &[], None)?;
            if existing.is_none() {
                let created = self.client.json::<_, Value>(
                    Method::POST,
                    &["collections"],
                    &[],
                    Some(&schema),
                );
                match created {
                    Ok(_) => {}
                    // A node that had not seen it yet said it was missing.
                    Err(TypesenseError::Refused { status: 409, .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            self.wait_on_every_node(&format!("collection {name:?}"), |node| {
                Ok(self.client.get_at(node, &path, &[])?.is_some())
            })?;
        }
        Ok(())
    }

    /// Waits until every node shows `count` documents matching `filter`.
    pub fn wait_for_count(&self, filter: &str, count: u64) -> Result<(), TypesenseError> {
        let path = ["collections", self.offers.as_str(), "documents", "search"];
        let query = [("q", "*"), ("filter_by", filter), ("per_page", "0")];
        self.wait_on_every_node(&format!("{count} documents of {filter}"), |node| {
            let answer = self.client.get_at(node, &path, &query)?;
            Ok(answer.and_then(|a| a.get("found").and_then(Value::as_u64)) == Some(count))
        })
    }

    /// Waits until every node shows `source` at `generation` (`None`: not live at all).
    pub fn wait_for_meta(
        &self,
        source: &str,
        generation: Option<u64>,
    ) -> Result<(), TypesenseError> {
        let path = ["collections", self.meta.as_str(), "documents", source];
        let what = format!("source {source:?} at generation {generation:?}");
        self.wait_on_every_node(&what, |node| {
            let document = self.client.get_at(node, &path, &[])?;
            let shown = document.and_then(|d| d.get("generation").and_then(Value::as_u64));
            Ok(shown == generation)
        })
    }

    /// Polls each node until `shows(node)`; a node that does not answer is not waited for (it
    /// catches up from the log when it returns).
    fn wait_on_every_node(
        &self,
        what: &str,
        shows: impl Fn(usize) -> Result<bool, TypesenseError>,
    ) -> Result<(), TypesenseError> {
        let deadline = Instant::now() + REPLICATION_TIMEOUT;
        let mut num_shown = 0;
        for node in 0..self.client.num_nodes() {
            loop {
                match shows(node) {
                    Ok(true) => {
                        num_shown += 1;
                        break;
                    }
                    Err(TypesenseError::Unavailable { .. }) => break,
                    Ok(false) if Instant::now() < deadline => std::thread::sleep(REPLICATION_POLL),
                    Ok(false) => {
                        return Err(TypesenseError::NotReplicated {
                            what: what.to_string(),
                            node: self.client.node_name(node),
                            timeout_secs: REPLICATION_TIMEOUT.as_secs(),
                        });
                    }
                    Err(err) => return Err(err),
                }
            }
        }
        match num_shown {
            0 => Err(TypesenseError::Unavailable {
                attempts: self.client.num_nodes(),
                last: format!("no node answered while waiting for {what}"),
            }),
            _ => Ok(()),
        }
    }

    /// Every source's live generation, read whole through the meta collection's export.
    pub fn read_live(&self) -> Result<LiveSet, TypesenseError> {
        let path = ["collections", self.meta.as_str(), "documents", "export"];
        parse_live(&self.client.get_text(&path)?)
    }

    /// The live generations as one node holds them; `None` when it has no meta collection.
    pub fn read_live_at(&self, node: usize) -> Result<Option<LiveSet>, TypesenseError> {
        let path = ["collections", self.meta.as_str(), "documents", "export"];
        match self.client.get_text_at(node, &path)? {
            Some(text) => Ok(Some(parse_live(&text)?)),
            None => Ok(None),
        }
    }

    /// Offer documents matching `filter` on one node.
    pub fn count_at(&self, node: usize, filter: &str) -> Result<Option<u64>, TypesenseError> {
        let path = ["collections", self.offers.as_str(), "documents", "search"];
        let query = [("q", "*"), ("filter_by", filter), ("per_page", "0")];
        let answer = self.client.get_at(node, &path, &query)?;
        Ok(answer.and_then(|a| a.get("found").and_then(Value::as_u64)))
    }

    /// The meta search that rides along with an offer search: the first [`META_PAGE`] sources.
    pub fn meta_search(&self) -> Value {
        json!({
            "collection": self.meta,
            "q": "*",
            "per_page": META_PAGE,
            "include_fields": "id,source,generation,stats",
        })
    }

    /// Runs searches in one request, in order; each answer or its error, and the node that
    /// answered.
    pub fn multi_search(
        &self,
        searches: Vec<Value>,
    ) -> Result<(Vec<Value>, usize), TypesenseError> {
        let body = json!({ "searches": searches });
        let (node, answer): (usize, Option<Value>) =
            self.client
                .json_answered_by(Method::POST, &["multi_search"], &[], Some(&body))?;
        let mut answer =
            answer.ok_or_else(|| TypesenseError::bad_answer("a multi search", "http 404"))?;
        let results = match answer.get_mut("results").map(Value::take) {
            Some(Value::Array(results)) => results,
            _ => return Err(TypesenseError::bad_answer("a multi search", "no results")),
        };
        for result in &results {
            if let Some(error) = result.get("error") {
                let status = result.get("code").and_then(Value::as_u64).unwrap_or(0);
                return Err(TypesenseError::Refused {
                    what: "a search".into(),
                    status: u16::try_from(status).unwrap_or(0),
                    message: error.to_string(),
                });
            }
        }
        Ok((results, node))
    }

    /// Deletes the offer documents matching `filter`; how many went.
    pub fn delete_offers(&self, filter: &str) -> Result<u64, TypesenseError> {
        let path = ["collections", self.offers.as_str(), "documents"];
        let query = [("filter_by", filter), ("batch_size", "1000")];
        let answer: Option<Value> =
            self.client
                .json::<(), _>(Method::DELETE, &path, &query, None)?;
        Ok(answer
            .and_then(|a| a.get("num_deleted").and_then(Value::as_u64))
            .unwrap_or(0))
    }

    /// Writes one source's meta document: the flip of its live generation.
    pub fn write_meta(&self, document: &MetaDocument) -> Result<(), TypesenseError> {
        let path = ["collections", self.meta.as_str(), "documents"];
        let written: Option<Value> =
            self.client
                .json(Method::POST, &path, &[("action", "upsert")], Some(document))?;
        written
            .map(drop)
            .ok_or_else(|| TypesenseError::bad_answer("writing a meta document", "http 404"))
    }

    /// Removes one source's meta document; false when there was none.
    pub fn delete_meta(&self, source: &str) -> Result<bool, TypesenseError> {
        let path = ["collections", self.meta.as_str(), "documents", source];
        let deleted: Option<Value> = self
            .client
            .json::<(), _>(Method::DELETE, &path, &[], None)?;
        Ok(deleted.is_some())
    }

    /// Imports JSON lines into the offers collection and checks every line's result.
    ///
    /// An answer with fewer results than lines is sent again whole, up to
    /// [`SHORT_IMPORT_RETRIES`] times: a follower forwards an import to its leader, and when the
    /// leader dies mid-way the follower ends its answer early with the results it had. The
    /// import upserts, so the lines already written are written again to the same documents.
    pub fn import(&self, lines: &str, num_lines: usize) -> Result<(), TypesenseError> {
        let path = ["collections", self.offers.as_str(), "documents", "import"];
        let query = [("action", "upsert"), ("batch_size", "1000")];
        let mut retries = 0;
        loop {
            let answer = self.client.post_text(&path, &query, lines)?;
            let num_results = check_import_results(&answer)?;
            if num_results == num_lines {
                return Ok(());
            }
            let short = format!("{num_results} results for {num_lines} documents");
            if num_results > num_lines || retries == SHORT_IMPORT_RETRIES {
                return Err(TypesenseError::bad_answer("an import", short));
            }
            retries += 1;
            tracing::warn!(retries, answer = %short, "typesense import answered short, sending it again");
            std::thread::sleep(SHORT_IMPORT_PAUSE * retries);
        }
    }
}

/// How many results an import's answer holds, each a success (a last line cut short is not
/// one); the first rejected line's error.
fn check_import_results(answer: &str) -> Result<usize, TypesenseError> {
    let mut lines = answer.lines().filter(|l| !l.trim().is_empty()).peekable();
    let mut num_results = 0;
    while let Some(line) = lines.next() {
        let result: Value = match serde_json::from_str(line) {
            Ok(result) => result,
            Err(_) if lines.peek().is_none() => break,
            Err(err) => return Err(TypesenseError::bad_answer("an import", err)),
        };
        if result.get("success").and_then(Value::as_bool) != Some(true) {
            return Err(rejected_line(&result));
        }
        num_results += 1;
    }
    Ok(num_results)
}

/// The meta collection's export as live generations.
fn parse_live(text: &str) -> Result<LiveSet, TypesenseError> {
    let mut documents = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let document: MetaDocument = serde_json::from_str(line)
            .map_err(|err| TypesenseError::bad_answer("the meta export", err))?;
        documents.push(document);
    }
    LiveSet::of_documents(documents)
}

fn rejected_line(result: &Value) -> TypesenseError {
    let message = result
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("no error given")
        .to_string();
    let id = result
        .get("document")
        .and_then(Value::as_str)
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|d| d.get("offer_id").and_then(Value::as_str).map(String::from))
        .unwrap_or_default();
    TypesenseError::DocumentRejected { id, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_nodes::fake_node;
    use std::sync::atomic::Ordering;

    const TWO_OK: &str = "{\"success\":true}\n{\"success\":true}\n";
    const THREE_OK: &str = "{\"success\":true}\n{\"success\":true}\n{\"success\":true}\n";

    fn collections(node: String) -> Result<Collections, TypesenseError> {
        Ok(Collections {
            client: TypesenseClient::new(&[node], "key")?,
            offers: "offers".into(),
            meta: "offers_meta".into(),
        })
    }

    #[test]
    fn an_import_answered_short_is_sent_again_whole() -> Result<(), TypesenseError> {
        let cut_mid_line = "{\"success\":true}\n{\"success\":true}\n{\"succ";
        let (node, served) = fake_node(vec![(200, TWO_OK), (200, cut_mid_line), (200, THREE_OK)]);
        collections(node)?.import("{}\n{}\n{}\n", 3)?;
        assert_eq!(
            served.load(Ordering::SeqCst),
            3,
            "two short answers, then whole"
        );
        Ok(())
    }

    #[test]
    fn an_import_that_stays_short_fails_and_a_rejected_line_is_named() -> Result<(), TypesenseError>
    {
        let (node, served) = fake_node(vec![(200, TWO_OK)]);
        let short = collections(node)?.import("{}\n{}\n{}\n", 3).err();
        assert!(
            matches!(&short, Some(TypesenseError::BadAnswer { .. })),
            "{short:?}"
        );
        let sent = SHORT_IMPORT_RETRIES as usize + 1;
        assert_eq!(served.load(Ordering::SeqCst), sent);
        let rejected = "{\"success\":true}\n{\"success\":false,\"error\":\"bad field\",\
                        \"document\":\"{\\\"offer_id\\\":\\\"o2\\\"}\"}\n";
        let (node, served) = fake_node(vec![(200, rejected)]);
        let refused = collections(node)?.import("{}\n{}\n", 2).err();
        assert!(
            matches!(&refused, Some(TypesenseError::DocumentRejected { id, message })
                if id == "o2" && message == "bad field"),
            "{refused:?}"
        );
        assert_eq!(
            served.load(Ordering::SeqCst),
            1,
            "a rejected line is not retried"
        );
        Ok(())
    }
}
