//! [`TypesenseClient`]: HTTP to a list of Typesense nodes, round-robin over the healthy ones.
//!
//! Each call starts at the next node in turn. A connection error, a timeout or a 5xx marks the
//! node down for [`DOWN_FOR`] and the call moves on to the next node, up to
//! [`ATTEMPTS_PER_NODE`] rounds over the list with a growing pause between rounds; a 4xx is an
//! answer and never retried. Nodes marked down are skipped while any node is up, and tried
//! anyway when none is (a whole cluster that comes back is used again without a restart).
//!
//! A write (an import, a delete, a meta document) keeps trying for [`WRITE_PATIENCE`] rather
//! than a fixed number of rounds: when the leader dies, the others refuse writes until they have
//! elected a new one, which takes seconds; a read (searches included) gives up after the rounds,
//! so that a cluster that is down is answered as such quickly.
//!
//! A node serves calls only once it is *admitted*: none is at first, and a node that fails
//! loses it. Typesense answers `/health` ok on a restarted node before it has caught up with
//! the others, so the backend admits a node only when it holds the live generations whole
//! (`typesense_backend.rs`); [`TypesenseClient::nodes_to_admit`] lists the nodes to check.
//! While no node is admitted (a whole cluster restarted, or start-up), any node up serves the
//! calls that may go anywhere (writes, reads of the meta collection); the backend answers
//! searches from admitted nodes only.

use crate::error::TypesenseError;
use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use url::Url;

/// How long a node that failed is skipped: long enough not to pay its timeout on every call,
/// short enough that a restarted node takes load again within seconds.
const DOWN_FOR: Duration = Duration::from_secs(2);
/// Rounds over the node list before a call gives up.
const ATTEMPTS_PER_NODE: usize = 3;
/// Pause after a failed round, times the round number.
const ROUND_PAUSE: Duration = Duration::from_millis(200);
/// How long a write keeps trying: longer than a leader election.
const WRITE_PATIENCE: Duration = Duration::from_secs(30);
/// The longest pause between two rounds.
const MAX_ROUND_PAUSE: Duration = Duration::from_secs(1);
/// Connecting to a node on a LAN or loopback takes well under this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A whole call, including an import batch.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What one request to one node came to.
enum Attempt {
    /// The answer's body, read whole (`None` for a 404).
    Answered(Option<String>),
    Failed(String),
}

/// A blocking Typesense client over several nodes.
#[derive(Debug)]
pub struct TypesenseClient {
    http: Client,
    nodes: Vec<Url>,
    api_key: String,
    next: AtomicUsize,
    down_until: Mutex<Vec<Option<Instant>>>,
    admitted: Mutex<Vec<bool>>,
}

impl TypesenseClient {
    /// A client for `nodes` (base URLs such as `http://127.0.0.1:8108`).
    pub fn new(nodes: &[String], api_key: &str) -> Result<TypesenseClient, TypesenseError> {
        if nodes.is_empty() {
            return Err(TypesenseError::Config("no nodes given".into()));
        }
        let mut urls = Vec::with_capacity(nodes.len());
        for node in nodes {
            let url = Url::parse(node.trim())
                .map_err(|err| TypesenseError::Config(format!("node {node:?}: {err}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
                return Err(TypesenseError::Config(format!(
                    "node {node:?} is not an http(s) base URL"
                )));
            }
            urls.push(url);
        }
        let http = Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|err| TypesenseError::Config(format!("http client: {err}")))?;
        Ok(TypesenseClient {
            http,
            down_until: Mutex::new(vec![None; urls.len()]),
            admitted: Mutex::new(vec![false; urls.len()]),
            nodes: urls,
            api_key: api_key.to_string(),
            next: AtomicUsize::new(0),
        })
    }

    /// Sends a JSON body (or none) and reads a JSON answer; `Ok(None)` for a 404.
    pub fn json<B, T>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<Option<T>, TypesenseError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        Ok(self.json_answered_by(method, path, query, body)?.1)
    }

    /// [`TypesenseClient::json`], and the node that answered.
    pub fn json_answered_by<B, T>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<(usize, Option<T>), TypesenseError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let what = describe(&method, path);
        // A multi-search is a POST that only reads.
        let is_read = method == Method::GET || path.first() == Some(&"multi_search");
        let (node, response) = self.send(&what, path, !is_read, |url| {
            let request = self.http.request(method.clone(), url).query(query);
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        })?;
        let Some(text) = response else {
            return Ok((node, None));
        };
        let value =
            serde_json::from_str(&text).map_err(|err| TypesenseError::bad_answer(&what, err))?;
        Ok((node, Some(value)))
    }

    /// Posts a text body (JSON lines of an import) and returns the answer's text.
    pub fn post_text(
        &self,
        path: &[&str],
        query: &[(&str, &str)],
        body: &str,
    ) -> Result<String, TypesenseError> {
        let what = describe(&Method::POST, path);
        let (_, response) = self.send(&what, path, true, |url| {
            self.http
                .post(url)
                .query(query)
                .header(reqwest::header::CONTENT_TYPE, "text/plain")
                .body(body.to_owned())
        })?;
        response.ok_or_else(|| TypesenseError::bad_answer(&what, "http 404"))
    }

    /// Reads a text answer (JSON lines of an export).
    pub fn get_text(&self, path: &[&str]) -> Result<String, TypesenseError> {
        let what = describe(&Method::GET, path);
        let (_, response) = self.send(&what, path, false, |url| self.http.get(url))?;
        response.ok_or_else(|| TypesenseError::bad_answer(&what, "http 404"))
    }

    /// Runs one call with retries over the nodes (a `write` until [`WRITE_PATIENCE`] is
    /// spent); the node that answered, and `None` for a 404.
    fn send(
        &self,
        what: &str,
        path: &[&str],
        write: bool,
        build: impl Fn(Url) -> RequestBuilder,
    ) -> Result<(usize, Option<String>), TypesenseError> {
        let started = Instant::now();
        let rounds_left = |attempt: usize| match write {
            true => started.elapsed() < WRITE_PATIENCE,
            false => attempt < self.nodes.len() * ATTEMPTS_PER_NODE,
        };
        let mut last = String::new();
        let mut attempt = 0;
        while attempt == 0 || attempt % self.nodes.len() != 0 || rounds_left(attempt) {
            if attempt > 0 && attempt % self.nodes.len() == 0 {
                let round = (attempt / self.nodes.len()) as u32;
                std::thread::sleep((ROUND_PAUSE * round).min(MAX_ROUND_PAUSE));
            }
            attempt += 1;
            let node = self.pick_node();
            match self.attempt(node, what, path, &build)? {
                Attempt::Answered(response) => return Ok((node, response)),
                Attempt::Failed(reason) => {
                    self.mark_down(node);
                    tracing::debug!(what, attempt, error = %reason, "typesense call failed, retrying");
                    last = reason;
                }
            }
        }
        Err(TypesenseError::Unavailable {
            attempts: attempt,
            last,
        })
    }

    /// A node's base URL, for messages.
    pub fn node_name(&self, node: usize) -> String {
        self.nodes[node % self.nodes.len()].to_string()
    }

    /// Nodes in the list.
    pub fn num_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// One GET of one node, without failover: what replication checks read. `Ok(None)` for a
    /// 404; [`TypesenseError::Unavailable`] when the node does not answer.
    pub fn get_at(
        &self,
        node: usize,
        path: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Option<Value>, TypesenseError> {
        let what = describe(&Method::GET, path);
        let build = |url: Url| self.http.get(url).query(query);
        match self.attempt(node % self.nodes.len(), &what, path, &build)? {
            Attempt::Answered(None) => Ok(None),
            Attempt::Answered(Some(text)) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|err| TypesenseError::bad_answer(&what, err)),
            Attempt::Failed(last) => Err(TypesenseError::Unavailable { attempts: 1, last }),
        }
    }

    /// [`TypesenseClient::get_at`] for a text answer (an export).
    pub fn get_text_at(
        &self,
        node: usize,
        path: &[&str],
    ) -> Result<Option<String>, TypesenseError> {
        let what = describe(&Method::GET, path);
        let build = |url: Url| self.http.get(url);
        match self.attempt(node % self.nodes.len(), &what, path, &build)? {
            Attempt::Answered(text) => Ok(text),
            Attempt::Failed(last) => Err(TypesenseError::Unavailable { attempts: 1, last }),
        }
    }

    /// One request to one node: an answer (`None` for a 404), a failure worth another node
    /// (connection, timeout, 5xx), or a client error.
    fn attempt(
        &self,
        node: usize,
        what: &str,
        path: &[&str],
        build: &impl Fn(Url) -> RequestBuilder,
    ) -> Result<Attempt, TypesenseError> {
        let request = build(endpoint(&self.nodes[node], path));
        match request.header("X-TYPESENSE-API-KEY", &self.api_key).send() {
            Ok(response) if response.status().is_server_error() => Ok(Attempt::Failed(format!(
                "{}: http {}",
                self.nodes[node],
                response.status()
            ))),
            Ok(response) if response.status() == reqwest::StatusCode::NOT_FOUND => {
                Ok(Attempt::Answered(None))
            }
            Ok(response) if response.status().is_client_error() => Err(refused(what, response)),
            // A node killed while it answers cuts the body short: worth another node too.
            Ok(response) => Ok(match response.text() {
                Ok(text) => Attempt::Answered(Some(text)),
                Err(err) => {
                    Attempt::Failed(format!("{}: reading the answer: {err}", self.nodes[node]))
                }
            }),
            Err(err) => Ok(Attempt::Failed(format!("{}: {err}", self.nodes[node]))),
        }
    }

    /// The next node in turn that is admitted and not marked down; else the next that is not
    /// marked down; else the next in turn.
    fn pick_node(&self) -> usize {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let down = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        let admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        let in_turn = || (0..self.nodes.len()).map(|offset| (start + offset) % self.nodes.len());
        let up = |node: &usize| down[*node].is_none_or(|until| until <= now);
        in_turn()
            .find(|node| admitted[*node] && up(node))
            .or_else(|| in_turn().find(up))
            .unwrap_or(start % self.nodes.len())
    }

    /// Takes `node` out of rotation for [`DOWN_FOR`]; it serves again once admitted.
    pub fn mark_down(&self, node: usize) {
        self.defer(node, DOWN_FOR);
        self.admitted.lock().unwrap_or_else(|e| e.into_inner())[node] = false;
    }

    /// Looks at `node` again (for admission) only after `pause`.
    pub fn defer(&self, node: usize, pause: Duration) {
        let mut down = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        down[node] = Some(Instant::now() + pause);
    }

    /// Lets `node` serve calls.
    pub fn admit(&self, node: usize) {
        if !self.is_admitted(node) {
            tracing::info!(node = %self.nodes[node], "typesense node admitted: it holds the live generations");
        }
        self.admitted.lock().unwrap_or_else(|e| e.into_inner())[node] = true;
    }

    pub fn is_admitted(&self, node: usize) -> bool {
        self.admitted.lock().unwrap_or_else(|e| e.into_inner())[node]
    }

    /// True when some node may serve searches.
    pub fn any_admitted(&self) -> bool {
        let admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        admitted.iter().any(|admitted| *admitted)
    }

    /// The nodes not admitted and not marked down now: the ones to check for admission.
    pub fn nodes_to_admit(&self) -> Vec<usize> {
        let now = Instant::now();
        let down = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        let admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        (0..self.nodes.len())
            .filter(|node| !admitted[*node] && down[*node].is_none_or(|until| until <= now))
            .collect()
    }
}

/// Builds `base/collections/...` with every segment percent-encoded.
fn endpoint(base: &Url, path: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(path);
    }
    url
}

fn describe(method: &Method, path: &[&str]) -> String {
    format!("{method} /{}", path.join("/"))
}

fn refused(what: &str, response: Response) -> TypesenseError {
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
        .unwrap_or(text);
    TypesenseError::Refused {
        what: what.to_string(),
        status,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_nodes::{cut_node, dead_node, fake_node};

    fn health(client: &TypesenseClient) -> Result<Option<Value>, TypesenseError> {
        client.json::<(), Value>(Method::GET, &["health"], &[], None)
    }

    #[test]
    fn fails_over_from_a_dead_node_and_a_5xx() -> Result<(), TypesenseError> {
        let (url, served) = fake_node(vec![(503, "{}"), (200, r#"{"ok":true}"#)]);
        let client = TypesenseClient::new(&[dead_node(), url], "key")?;
        for _ in 0..3 {
            let answer = health(&client)?;
            assert_eq!(answer.and_then(|a| a["ok"].as_bool()), Some(true));
        }
        assert_eq!(
            served.load(Ordering::SeqCst),
            4,
            "one 503, then three answers"
        );
        Ok(())
    }

    #[test]
    fn an_answer_cut_short_is_tried_on_another_node() -> Result<(), TypesenseError> {
        let (cut, cut_served) = cut_node();
        let (url, _) = fake_node(vec![(200, r#"{"ok":true}"#)]);
        let client = TypesenseClient::new(&[cut, url], "key")?;
        for _ in 0..2 {
            let answer = health(&client)?;
            assert_eq!(answer.and_then(|a| a["ok"].as_bool()), Some(true));
        }
        assert!(
            cut_served.load(Ordering::SeqCst) >= 1,
            "the cut node was asked"
        );
        Ok(())
    }

    #[test]
    fn a_client_error_is_an_answer_and_not_retried() -> Result<(), TypesenseError> {
        let (url, served) = fake_node(vec![(400, r#"{"message":"bad filter"}"#)]);
        let client = TypesenseClient::new(&[url], "key")?;
        let refused = health(&client).err();
        assert!(
            matches!(&refused, Some(TypesenseError::Refused { status: 400, message, .. }) if message == "bad filter"),
            "{refused:?}"
        );
        assert_eq!(served.load(Ordering::SeqCst), 1);
        Ok(())
    }

    #[test]
    fn no_node_answering_is_unavailable() -> Result<(), TypesenseError> {
        let client = TypesenseClient::new(&[dead_node(), dead_node()], "key")?;
        let down = health(&client).err();
        assert!(
            matches!(down, Some(TypesenseError::Unavailable { attempts: 6, .. })),
            "{down:?}"
        );
        assert!(TypesenseClient::new(&[], "key").is_err());
        assert!(TypesenseClient::new(&["ftp://x".into()], "key").is_err());
        Ok(())
    }
}
