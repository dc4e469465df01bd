//! The comparison page at `/` in a real browser (Chromium over WebDriver), against a real
//! `feedmill serve` on the demo feeds: sorting by price from the sort list (cards cheapest
//! first, in the API's order, the sort in the URL), the next page (other, dearer cards, `page=2`
//! in the URL; back to page 1, back again to relevance), search with a typo, facet counts, a
//! facet click, the suggestions by keyboard, the product view with its offers by total price,
//! its chart (which needs the history route) and each offer's honest discount and 30-day low
//! from the seeded price history, the back button, a phone-sized layout, and the click-out
//! through `/r/...` to the tracking link, recorded in the store. Then the same page with keys on
//! (`[auth] mode = "keys"`, a search-only key given to the page by `[web] api_key_env`):
//! search, product view, chart and click-out work while the API refuses a caller without a key.
//!
//! `tests/browser/run` installs Chromium and chromedriver, starts the driver and sets
//! `FEEDMILL_WEBDRIVER`; without it this test says so and passes without a browser. With
//! `FEEDMILL_SCREENSHOT=PATH` it saves a screenshot of the product view there.

mod fixture;
mod page;

use feedmill_model::Decimal;
use fixture::{
    BY_TOTAL, GTIN, LOW_30D_EXTRA, LandingServer, SHOPS, Server, TITLE, get_json,
    get_json_with_key, tracking_path,
};
use page::Page;
use serde_json::Value;
use std::io::Write;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_comparison_page_works_in_a_real_browser() {
    let Ok(webdriver) = std::env::var("FEEDMILL_WEBDRIVER") else {
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: FEEDMILL_WEBDRIVER is not set (tests/browser/run starts chromedriver and sets it)"
        );
        return;
    };
    let page = Page::open(&webdriver).await;
    let outcome = match run_in_open_mode(&page).await {
        Ok(()) => run_with_keys_on(&page).await,
        Err(err) => Err(err),
    };
    page.close().await;
    outcome.unwrap_or_else(|err| panic!("{err}"));
}

async fn run_in_open_mode(page: &Page) -> Result<(), String> {
    let landing = LandingServer::start();
    let server = Server::start(&landing);
    run_the_tour(page, &server, &landing).await
}

/// The page sends its configured search-only key, so search, the product view with its chart
/// and the click-out work, while the API refuses a caller without a key.
async fn run_with_keys_on(page: &Page) -> Result<(), String> {
    let landing = LandingServer::start();
    let server = Server::start_with_keys(&landing);
    let (status, answer) = get_json_with_key(&server.base, "/search?q=kettle", None);
    check(
        status == 401,
        format!("keys on: /search without a key answered {status}: {answer}"),
    )?;
    page.goto(&server.base).await?;
    page.type_into("#q", "kettle").await?;
    page.press("#q", page::ENTER).await?;
    let condition = format!(
        "return [...document.querySelectorAll('#results .title')].some(t => t.textContent === {TITLE:?})"
    );
    page.wait_until("keys on: results through the page's key", &condition)
        .await?;
    open_the_product(page, &server).await?;
    go_to_the_shop(page, &server, &landing).await
}

/// The whole visit; an error names the step that failed.
async fn run_the_tour(page: &Page, server: &Server, landing: &LandingServer) -> Result<(), String> {
    see_the_empty_and_error_states(page, server).await?;
    sort_by_price_and_turn_the_page(page, server).await?;
    page.goto(&server.base).await?;
    search_with_a_typo_and_see_the_facet_counts(page, server).await?;
    click_a_brand_facet(page).await?;
    pick_a_suggestion_by_keyboard(page).await?;
    open_the_product(page, server).await?;
    check_the_honest_numbers(page, server).await?;
    if let Some(path) = std::env::var("FEEDMILL_SCREENSHOT")
        .ok()
        .filter(|p| !p.is_empty())
    {
        page.screenshot(&path).await?;
    }
    go_back_and_forward(page).await?;
    check_the_phone_layout(page).await?;
    go_to_the_shop(page, server, landing).await
}

async fn search_with_a_typo_and_see_the_facet_counts(
    page: &Page,
    server: &Server,
) -> Result<(), String> {
    page.type_into("#q", "headphnes").await?;
    page.press("#q", page::ENTER).await?;
    page.wait_until("results for the typo", "return location.search === '?q=headphnes' && document.getElementById('summary').textContent.endsWith('for “headphnes”') && document.querySelectorAll('#results li').length > 0").await?;
    let (_, answer) = get_json(
        server,
        "/search?q=headphnes&facets=brand,category,merchant,price&per_page=20",
    );
    let total = answer["total"].as_u64().ok_or("no total from the api")?;
    let shown = page
        .eval("return document.querySelectorAll('#results li').length")
        .await?;
    check(shown == total.min(20), format!("cards: {shown} of {total}"))?;
    let summary = page
        .eval("return document.getElementById('summary').textContent")
        .await?;
    check(
        summary
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{total} offers"))),
        format!("summary {summary}"),
    )?;
    let page_counts = page
        .eval("return [...document.querySelectorAll('.facet-value')].map(b => [b.dataset.facet, b.dataset.value, Number(b.querySelector('.count').textContent)])")
        .await?;
    for kind in ["brand", "category", "merchant", "price"] {
        for facet in answer["facets"][kind].as_array().into_iter().flatten() {
            if facet["count"].as_u64() == Some(0) {
                continue;
            }
            let expected = serde_json::json!([kind, facet["value"], facet["count"]]);
            let listed = page_counts
                .as_array()
                .is_some_and(|all| all.contains(&expected));
            check(
                listed,
                format!("facet {expected} not shown; the page shows {page_counts}"),
            )?;
        }
    }
    Ok(())
}

/// The result cards as [title, shown price, shop], in order.
const CARDS: &str = "return [...document.querySelectorAll('#results li')].map(li => [li.querySelector('.title').textContent, li.querySelector('.price').textContent, li.querySelector('.merchant').textContent])";

/// A JavaScript condition: the cards' titles are `titles` (a JSON array), in that order.
fn cards_are(titles: &Value) -> String {
    let expected = serde_json::to_string(&titles.to_string()).unwrap_or_default();
    format!(
        "return JSON.stringify([...document.querySelectorAll('#results li .title')].map(t => t.textContent)) === {expected}"
    )
}

/// The titles of the API's answer to `query`, in order.
fn api_titles(server: &Server, query: &str) -> Value {
    let (_, answer) = get_json(server, &format!("/search?{query}"));
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    Value::from(items.iter().map(|i| i["title"].clone()).collect::<Vec<_>>())
}

/// The amount of a price as the page shows it in en-US ("€76.79", "SEK 1,069.00").
fn shown_amount(card: &Value) -> Result<Decimal, String> {
    let text = card[1].as_str().unwrap_or_default();
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .map_err(|_| format!("no price in the card {card}"))
}

/// The cards' shown prices, checked to go up (or stay) from card to card.
fn check_ascending(cards: &Value, what: &str) -> Result<Vec<Decimal>, String> {
    let prices = cards
        .as_array()
        .into_iter()
        .flatten()
        .map(shown_amount)
        .collect::<Result<Vec<_>, _>>()?;
    check(
        !prices.is_empty() && prices.windows(2).all(|pair| pair[0] <= pair[1]),
        format!("{what}: the cards are not in ascending price order: {cards}"),
    )?;
    Ok(prices)
}

/// Sorting by price (chosen in the sort list) shows the cards cheapest first, in the API's
/// order, with the sort in the URL; the pager's next page shows other, dearer cards (the API's
/// second page, `page=2` in the URL); back returns to page 1 and back again to relevance.
async fn sort_by_price_and_turn_the_page(page: &Page, server: &Server) -> Result<(), String> {
    let word = ["shoes", "black"]
        .into_iter()
        .find(|w| get_json(server, &format!("/search?q={w}")).1["total"].as_u64() > Some(20))
        .ok_or("no word of the demo feeds has two pages of results")?;
    page.goto(&format!("{}/?q={word}", server.base)).await?;
    let relevance = api_titles(server, &format!("q={word}&per_page=20"));
    page.wait_until("the first results by relevance", &cards_are(&relevance))
        .await?;

    page.select("#sort", "price_asc").await?;
    let first = api_titles(server, &format!("q={word}&sort=price_asc&per_page=20"));
    check(
        first != relevance,
        format!("sorting by price changes nothing for {word}: {first}"),
    )?;
    let in_url = "new URLSearchParams(location.search).get('sort') === 'price_asc'";
    let condition = format!("{} && {in_url}", cards_are(&first));
    page.wait_until("the cards by price, the sort in the URL", &condition)
        .await?;
    let page_one = page.eval(CARDS).await?;
    let prices_one = check_ascending(&page_one, "page 1 by price")?;

    page.click("#pager a").await?;
    let second = api_titles(
        server,
        &format!("q={word}&sort=price_asc&per_page=20&page=2"),
    );
    let condition = format!(
        "{} && {in_url} && new URLSearchParams(location.search).get('page') === '2'",
        cards_are(&second)
    );
    page.wait_until("page 2 by price, page and sort in the URL", &condition)
        .await?;
    let page_two = page.eval(CARDS).await?;
    let prices_two = check_ascending(&page_two, "page 2 by price")?;
    let repeated: Vec<Value> = page_two
        .as_array()
        .into_iter()
        .flatten()
        .filter(|card| page_one.as_array().is_some_and(|one| one.contains(card)))
        .cloned()
        .collect();
    check(
        repeated.is_empty(),
        format!("page 2 repeats cards of page 1: {}", Value::from(repeated)),
    )?;
    check(
        prices_one.last() <= prices_two.first(),
        format!("page 2 starts below page 1's end: {page_one} then {page_two}"),
    )?;

    page.back().await?;
    let condition = format!(
        "{} && {in_url} && new URLSearchParams(location.search).get('page') === null && document.getElementById('sort').value === 'price_asc'",
        cards_are(&first)
    );
    page.wait_until("page 1 by price after Back", &condition)
        .await?;
    page.back().await?;
    let condition = format!(
        "{} && new URLSearchParams(location.search).get('sort') === null && document.getElementById('sort').value === 'relevance'",
        cards_are(&relevance)
    );
    page.wait_until("relevance again after Back", &condition)
        .await
}

/// A search without matches says so; a request the API refuses shows the API's message.
async fn see_the_empty_and_error_states(page: &Page, server: &Server) -> Result<(), String> {
    page.goto(&format!("{}/?q=zqxjvw", server.base)).await?;
    let empty = "const s = document.getElementById('search-status'); return s.classList.contains('empty') && s.textContent.startsWith('No offers match')";
    page.wait_until("the empty state", empty).await?;
    page.goto(&format!("{}/?q=kettle&price=abc-1", server.base))
        .await?;
    let error = "const s = document.getElementById('search-status'); return s.classList.contains('error') && s.textContent.startsWith('Search failed: ') && s.textContent.includes('min_price')";
    page.wait_until("the error state with the API's message", error)
        .await
}

async fn click_a_brand_facet(page: &Page) -> Result<(), String> {
    let facet = page
        .eval("const b = document.querySelector('.facet-value[data-facet=brand]'); return [b.dataset.value, Number(b.querySelector('.count').textContent)]")
        .await?;
    let brand = facet[0].as_str().ok_or("no brand facet")?.to_string();
    page.click(".facet-value[data-facet=brand]").await?;
    let condition = format!(
        "return new URLSearchParams(location.search).get('brand') === {brand:?} && document.querySelector('#results').getAttribute('aria-busy') === null && document.getElementById('summary').textContent.startsWith('{} offer')",
        facet[1]
    );
    page.wait_until("the brand filter", &condition).await?;
    let brands = page
        .eval(
            "return [...document.querySelectorAll('#results .brand-name')].map(e => e.textContent)",
        )
        .await?;
    let all_of_brand = brands
        .as_array()
        .is_some_and(|b| !b.is_empty() && b.iter().all(|b| b == brand.as_str()));
    check(
        all_of_brand,
        format!("brands after filtering on {brand}: {brands}"),
    )?;
    let pressed = page
        .eval("return document.querySelector('.facet-value.active').getAttribute('aria-pressed')")
        .await?;
    check(
        pressed == "true",
        format!("active facet aria-pressed {pressed}"),
    )
}

async fn pick_a_suggestion_by_keyboard(page: &Page) -> Result<(), String> {
    page.clear("#q").await?;
    page.type_into("#q", "lum").await?;
    page.wait_until("suggestions", "const l = document.getElementById('suggestions'); return !l.hidden && l.children.length > 0").await?;
    page.press("#q", page::ESCAPE).await?;
    page.wait_until(
        "suggestions closed by Escape",
        "return document.getElementById('suggestions').hidden",
    )
    .await?;
    page.type_into("#q", "o").await?;
    page.wait_until("suggestions again", "const l = document.getElementById('suggestions'); return !l.hidden && [...l.children].some(li => li.textContent === 'Lumo Kettle Steel')").await?;
    page.press("#q", page::ARROW_DOWN).await?;
    let chosen = page
        .eval("const q = document.getElementById('q'); const li = document.getElementById(q.getAttribute('aria-activedescendant')); return li && li.getAttribute('aria-selected') === 'true' ? li.textContent : null")
        .await?;
    let chosen = chosen
        .as_str()
        .ok_or("ArrowDown selected no suggestion")?
        .to_string();
    page.press("#q", page::ENTER).await?;
    let condition = format!(
        "return new URLSearchParams(location.search).get('q') === {chosen:?} && [...document.querySelectorAll('#results .title')].some(t => t.textContent === {TITLE:?})"
    );
    page.wait_until("results for the chosen suggestion", &condition)
        .await
}

async fn open_the_product(page: &Page, server: &Server) -> Result<(), String> {
    let link = format!("#results a.title[href='/?gtin={GTIN}']");
    page.click(&link).await?;
    page.wait_until("the product's offers", &format!("return location.search === '?gtin={GTIN}' && document.querySelectorAll('#offers tbody tr').length === {}", SHOPS.len())).await?;
    let rows = page.eval("return [...document.querySelectorAll('#offers tbody tr')].map(r => [r.querySelector('.shop').textContent, r.dataset.total])").await?;
    let expected: Vec<[&str; 2]> = BY_TOTAL
        .iter()
        .map(|(shop, total)| [*shop, *total])
        .collect();
    check(
        rows == serde_json::json!(expected),
        format!("offers by total: {rows}"),
    )?;
    let back = page
        .eval("return document.getElementById('back').getAttribute('href')")
        .await?;
    check(
        back.as_str().is_some_and(|href| href.starts_with("/?q=")),
        format!("the back link goes to {back}, not the search"),
    )?;
    let search_hidden = page
        .eval("return document.getElementById('search-view').hidden")
        .await?;
    check(
        search_hidden == true,
        "the search view stays visible on the product view".to_string(),
    )?;
    check_the_chart(page, server).await
}

/// The page draws the history endpoint's answer: the market's low and a line per shop.
async fn check_the_chart(page: &Page, server: &Server) -> Result<(), String> {
    let (status, answer) = get_json(server, &format!("/products/{GTIN}/history?days=90"));
    check(
        status == 200,
        format!("history answered {status}: {answer}"),
    )?;
    let lines = SHOPS.len() + 1;
    let condition = format!(
        "return document.querySelectorAll('#history svg polyline.series').length === {lines}"
    );
    page.wait_until("the price-history chart", &condition)
        .await?;
    let market = page
        .eval("const p = document.querySelector('#history polyline.market'); return p ? p.getAttribute('points').split(' ').length : 0")
        .await?;
    check(
        market.as_u64().is_some_and(|points| points >= 2),
        format!("the market line has {market} points"),
    )
}

/// Each offer's row shows its honest numbers. The seeded history had every shop dearer in the
/// 30 days before today's price, its lowest there [`LOW_30D_EXTRA`] euros above today's: so the
/// API gives each offer that 30-day low and the discount from it, and the row shows both.
async fn check_the_honest_numbers(page: &Page, server: &Server) -> Result<(), String> {
    let (status, product) = get_json(server, &format!("/products/{GTIN}"));
    check(status == 200, format!("product answered {status}"))?;
    let offers = product["offers"].as_array().cloned().unwrap_or_default();
    let mut expected = Vec::new();
    for (shop, _, _, price, _) in SHOPS {
        let offer = offers
            .iter()
            .find(|o| o["merchant_name"] == shop)
            .ok_or(format!("no offer of {shop} in {product}"))?;
        let price: Decimal = price.parse().map_err(|_| "fixture price")?;
        let low = price + Decimal::from(LOW_30D_EXTRA);
        let discount = ((low - price) / low * Decimal::ONE_HUNDRED).round_dp(1);
        let percent = discount.normalize().to_string();
        let answered = (
            offer["lowest_price_30d"].as_str(),
            offer["discount_percent"].as_f64(),
        );
        check(
            answered == (Some(format!("{low:.2}").as_str()), percent.parse().ok()),
            format!(
                "{shop}: the API answers 30-day low {} and discount {}, not {low:.2} and {discount}",
                offer["lowest_price_30d"], offer["discount_percent"]
            ),
        )?;
        expected.push(serde_json::json!([
            shop,
            format!("−{percent} %"),
            format!("30-day low €{low:.2}")
        ]));
    }
    let rows = page
        .eval("return [...document.querySelectorAll('#offers tbody tr')].map(r => { const c = r.querySelector('td.check'); const text = (css) => c && c.querySelector(css) ? c.querySelector(css).textContent : null; return [r.querySelector('.shop').textContent, text('.discount'), text('.low30')]; })")
        .await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    check(
        rows.len() == SHOPS.len(),
        format!("{} offer rows", rows.len()),
    )?;
    for row in &rows {
        let want = expected
            .iter()
            .find(|e| e[0] == row[0])
            .ok_or(format!("an offer row of an unknown shop: {row}"))?;
        check(
            row == want,
            format!("the row shows {row}, not the discount and 30-day low {want}"),
        )?;
    }
    Ok(())
}

async fn go_back_and_forward(page: &Page) -> Result<(), String> {
    page.back().await?;
    page.wait_until("the search again after Back", "return !document.getElementById('search-view').hidden && document.getElementById('product-view').hidden && document.querySelectorAll('#results li').length > 0").await?;
    page.forward().await?;
    page.wait_until("the product again after Forward", &format!("return location.search === '?gtin={GTIN}' && document.querySelectorAll('#offers tbody tr').length === {}", SHOPS.len())).await
}

async fn check_the_phone_layout(page: &Page) -> Result<(), String> {
    page.resize(390, 844).await?;
    let fits = page
        .eval("return document.documentElement.scrollWidth <= window.innerWidth")
        .await?;
    page.resize(1200, 1160).await?;
    check(
        fits == true,
        "the product view is wider than a phone's screen".to_string(),
    )
}

async fn go_to_the_shop(
    page: &Page,
    server: &Server,
    landing: &LandingServer,
) -> Result<(), String> {
    let (_, product) = get_json(server, &format!("/products/{GTIN}"));
    let cheapest = product["offers"][0]["id"]
        .as_str()
        .ok_or("no offers from the api")?
        .to_string();
    let merchant_id = product["offers"][0]["merchant_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    page.click("#offers tbody tr:first-child .shop-button")
        .await?;
    let condition = format!("return location.origin === {:?}", landing.base);
    page.wait_until("the shop's tracking link", &condition)
        .await?;
    let tracking = tracking_path(&merchant_id);
    let landed = landing
        .requests()
        .iter()
        .any(|target| target.starts_with(&tracking));
    check(
        landed,
        format!(
            "the landing server saw {:?}, not {tracking}",
            landing.requests()
        ),
    )?;
    let is_the_click =
        |c: &feedmill_store::Click| c.offer_id == cheapest && c.sub_id.as_deref() == Some("web");
    let clicks = server.stored_clicks(is_the_click);
    let recorded = clicks.iter().any(is_the_click);
    check(
        recorded,
        format!("no click on {cheapest} with sub_id web in {clicks:?}"),
    )
}

fn check(ok: bool, failure: String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(failure) }
}
