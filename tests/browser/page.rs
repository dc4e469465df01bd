//! A thin layer over a WebDriver session (fantoccini): headless Chromium, steps that fail with
//! a message naming what was expected, and waits that poll a JavaScript condition.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// WebDriver key codes (the W3C spec's private-use characters).
pub const ENTER: &str = "\u{E007}";
pub const ESCAPE: &str = "\u{E00C}";
pub const ARROW_DOWN: &str = "\u{E015}";

/// How long a step may take on a loaded machine.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Page {
    client: Client,
}

impl Page {
    /// A new headless session on the driver at `webdriver`.
    pub async fn open(webdriver: &str) -> Page {
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1200,1160",
        ];
        args.push("--lang=en-US");
        let mut chrome = json!({ "args": args });
        if std::path::Path::new("/usr/bin/chromium").exists() {
            chrome["binary"] = json!("/usr/bin/chromium");
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), chrome);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(webdriver)
            .await
            .unwrap_or_else(|err| panic!("no WebDriver session at {webdriver}: {err}"));
        Page { client }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.client
            .goto(url)
            .await
            .map_err(|err| format!("goto {url}: {err}"))
    }

    pub async fn back(&self) -> Result<(), String> {
        self.client
            .back()
            .await
            .map_err(|err| format!("back: {err}"))
    }

    pub async fn forward(&self) -> Result<(), String> {
        self.client
            .forward()
            .await
            .map_err(|err| format!("forward: {err}"))
    }

    pub async fn resize(&self, width: u32, height: u32) -> Result<(), String> {
        self.client
            .set_window_size(width, height)
            .await
            .map_err(|err| format!("resize to {width}x{height}: {err}"))?;
        // The window changes after the command returns: wait for the page to see it. The
        // viewport is the asked width less scroll bars (the window itself may stay wider).
        let condition =
            format!("return window.innerWidth <= {width} && window.innerWidth > {width} - 40");
        let waited = self.wait_until("the window's new size", &condition).await;
        let size = self.eval("return [window.outerWidth, window.innerWidth, window.outerHeight, window.innerHeight, screen.width, screen.height]").await?;
        waited.map_err(|err| format!("{size}: {err}"))
    }

    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let element = self.find(css).await?;
        element
            .send_keys(text)
            .await
            .map_err(|err| format!("type into {css}: {err}"))
    }

    pub async fn press(&self, css: &str, key: &str) -> Result<(), String> {
        self.type_into(css, key).await
    }

    pub async fn clear(&self, css: &str) -> Result<(), String> {
        let element = self.find(css).await?;
        element
            .clear()
            .await
            .map_err(|err| format!("clear {css}: {err}"))
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        let element = self.find(css).await?;
        element
            .click()
            .await
            .map_err(|err| format!("click {css}: {err}"))
    }

    /// Chooses the option with `value` in the select list `css`, as a click on it would.
    pub async fn select(&self, css: &str, value: &str) -> Result<(), String> {
        let element = self.find(css).await?;
        element
            .select_by_value(value)
            .await
            .map_err(|err| format!("select {value} in {css}: {err}"))
    }

    async fn find(&self, css: &str) -> Result<fantoccini::elements::Element, String> {
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .map_err(|err| format!("no element {css}: {err}"))
    }

    /// Runs `script` (a function body that `return`s) in the page.
    pub async fn eval(&self, script: &str) -> Result<Value, String> {
        self.eval_with(script, Vec::new()).await
    }

    pub async fn eval_with(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client
            .execute(script, args)
            .await
            .map_err(|err| format!("script failed: {err}\n{script}"))
    }

    /// Polls `condition` until it returns true; the error names `what` and the page's text.
    pub async fn wait_until(&self, what: &str, condition: &str) -> Result<(), String> {
        let started = Instant::now();
        loop {
            // A navigation in flight makes a script fail: that is "not yet", not an error.
            if let Ok(Value::Bool(true)) = self.client.execute(condition, Vec::new()).await {
                return Ok(());
            }
            if started.elapsed() > STEP_TIMEOUT {
                let url = self
                    .client
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                let text = self
                    .eval("return document.body ? document.body.innerText : ''")
                    .await
                    .unwrap_or_default();
                return Err(format!(
                    "waited {STEP_TIMEOUT:?} for {what} at {url}\n{text}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the window at `path`.
    pub async fn screenshot(&self, path: &str) -> Result<(), String> {
        let png = self
            .client
            .screenshot()
            .await
            .map_err(|err| format!("screenshot: {err}"))?;
        std::fs::write(path, png).map_err(|err| format!("write {path}: {err}"))
    }
}
