// The comparison page: search with suggestions, facets, sorting and pages, and a product view
// per GTIN with every offer, the honest discount and the price history. The state lives in the
// URL (`/?q=…&brand=…&page=2`, `/?gtin=…`): links can be shared and the back button works.
"use strict";

(() => {
  const PER_PAGE = 20;
  const SUB_ID = "web";
  const SUGGEST_DELAY_MS = 150;
  const FACETS = [["brand", "Brand"], ["category", "Category"], ["merchant", "Shop"], ["price", "Price"]];
  const $ = (id) => document.getElementById(id);
  let searchAbort = null;

  // ---- state <-> URL -------------------------------------------------------------------
  function readState() {
    const p = new URLSearchParams(location.search);
    return {
      gtin: p.get("gtin") || "",
      q: p.get("q") || "",
      brand: p.getAll("brand"),
      category: p.get("category") || "",
      merchant: p.get("merchant") || "",
      price: p.get("price") || "",
      sort: p.get("sort") || "relevance",
      page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    };
  }

  function stateUrl(state) {
    const p = new URLSearchParams();
    if (state.gtin) {
      p.set("gtin", state.gtin);
    } else {
      if (state.q) p.set("q", state.q);
      for (const brand of state.brand) p.append("brand", brand);
      for (const key of ["category", "merchant", "price"]) if (state[key]) p.set(key, state[key]);
      if (state.sort !== "relevance") p.set("sort", state.sort);
      if (state.page > 1) p.set("page", String(state.page));
    }
    const query = p.toString();
    return query ? `/?${query}` : "/";
  }

  /** A new query starts without filters, on page 1, in the sort the shopper chose. */
  function newSearch(q) {
    return { gtin: "", q, brand: [], category: "", merchant: "", price: "", sort: readState().sort, page: 1 };
  }

  function go(state) {
    history.pushState(null, "", stateUrl(state));
    render();
  }

  function render() {
    const state = readState();
    $("search-view").hidden = Boolean(state.gtin);
    $("product-view").hidden = !state.gtin;
    if (state.gtin) {
      showProduct(state.gtin);
    } else {
      $("q").value = state.q;
      $("sort").value = state.sort;
      runSearch(state);
    }
  }

  // ---- search ----------------------------------------------------------------------------
  function searchPath(state) {
    const p = new URLSearchParams({ per_page: String(PER_PAGE), page: String(state.page), subid: SUB_ID,
      facets: "brand,category,merchant,price" });
    if (state.q) p.set("q", state.q);
    for (const brand of state.brand) p.append("brand", brand);
    if (state.category) p.set("category", state.category);
    if (state.merchant) p.set("merchant", state.merchant);
    if (state.sort !== "relevance") p.set("sort", state.sort);
    const [min, max] = state.price.replace("+", "-").split("-");
    if (min) p.set("min_price", min);
    if (max) p.set("max_price", max);
    return `/search?${p}`;
  }

  async function runSearch(state) {
    if (searchAbort) searchAbort.abort();
    searchAbort = new AbortController();
    setStatus("search-status", "Searching…", "loading");
    $("results").setAttribute("aria-busy", "true");
    try {
      const answer = await Api.getJson(searchPath(state), searchAbort.signal);
      showResults(state, answer);
    } catch (err) {
      if (err.name === "AbortError") return;
      $("results").replaceChildren();
      $("pager").replaceChildren();
      $("summary").textContent = "";
      setStatus("search-status", `Search failed: ${err.message}`, "error");
    } finally {
      $("results").removeAttribute("aria-busy");
    }
  }

  function showResults(state, answer) {
    const items = answer.items || [];
    $("summary").textContent = `${answer.total} offer${answer.total === 1 ? "" : "s"}`
      + (state.q ? ` for “${state.q}”` : "");
    if (items.length === 0) {
      setStatus("search-status", "No offers match. Try fewer words or remove a filter.", "empty");
    } else {
      setStatus("search-status", "", "");
    }
    $("results").replaceChildren(...items.map(resultCard));
    showFacets(state, answer.facets || {});
    showPager(state, answer.total);
  }

  function resultCard(offer) {
    const li = node("li", "card");
    li.append(image(offer.image_url, offer.title));
    const body = node("div", "card-body");
    const title = node(offer.gtin ? "a" : "span", "title", offer.title);
    if (offer.gtin) title.href = stateUrl({ gtin: offer.gtin });
    body.append(title);
    if (offer.brand) body.append(node("span", "brand-name", offer.brand));
    const price = node("p", "price", Api.formatMoney(offer.price, offer.currency));
    body.append(price, node("p", "meta", shippingText(offer)), availabilityBadge(offer.availability));
    body.append(node("p", "merchant", offer.merchant_name || offer.merchant_id || offer.source));
    li.append(body);
    return li;
  }

  function showFacets(state, facets) {
    const box = $("facets");
    box.replaceChildren();
    for (const [kind, label] of FACETS) {
      const values = (facets[kind] || []).filter((f) => f.count > 0 || isActive(state, kind, f.value));
      if (values.length === 0) continue;
      const group = node("fieldset", "facet");
      group.append(node("legend", "", label));
      for (const facet of values) group.append(facetButton(state, kind, facet));
      box.append(group);
    }
    const active = state.brand.length || state.category || state.merchant || state.price;
    if (active) {
      const clear = node("button", "clear", "Clear filters");
      clear.type = "button";
      clear.addEventListener("click", () => go({ ...state, brand: [], category: "", merchant: "", price: "", page: 1 }));
      box.append(clear);
    }
  }

  function isActive(state, kind, value) {
    return kind === "brand" ? state.brand.includes(value) : state[kind] === value;
  }

  function facetButton(state, kind, facet) {
    const active = isActive(state, kind, facet.value);
    const button = node("button", active ? "facet-value active" : "facet-value");
    button.type = "button";
    button.setAttribute("aria-pressed", String(active));
    button.dataset.facet = kind;
    button.dataset.value = facet.value;
    const label = kind === "price" ? priceLabel(facet.value) : facet.value;
    button.append(node("span", "", label), node("span", "count", String(facet.count)));
    button.addEventListener("click", () => {
      const next = { ...state, page: 1 };
      if (kind === "brand") {
        next.brand = active ? state.brand.filter((b) => b !== facet.value) : [...state.brand, facet.value];
      } else {
        next[kind] = active ? "" : facet.value;
      }
      go(next);
    });
    return button;
  }

  function showPager(state, total) {
    const pages = Math.ceil(total / PER_PAGE);
    const pager = $("pager");
    pager.replaceChildren();
    if (pages <= 1) return;
    const link = (page, text) => {
      const a = node("a", "", text);
      a.href = stateUrl({ ...state, page });
      return a;
    };
    if (state.page > 1) pager.append(link(state.page - 1, "← Previous"));
    pager.append(node("span", "", `Page ${state.page} of ${pages}`));
    if (state.page < pages) pager.append(link(state.page + 1, "Next →"));
  }

  // ---- product view ------------------------------------------------------------------------
  async function showProduct(gtin) {
    $("product-head").replaceChildren();
    $("offers").tBodies[0].replaceChildren();
    $("history").replaceChildren();
    setStatus("product-status", "Loading offers…", "loading");
    try {
      const product = await Api.getJson(`/products/${encodeURIComponent(gtin)}?subid=${SUB_ID}`);
      setStatus("product-status", "", "");
      showOffers(product);
      document.title = `${product.offers[0].title} · feedmill`;
    } catch (err) {
      const text = err.status === 404 ? "No shop offers this product right now." : `Could not load the product: ${err.message}`;
      setStatus("product-status", text, err.status === 404 ? "empty" : "error");
      return;
    }
    showHistory(gtin);
  }

  function showOffers(product) {
    const first = product.offers[0];
    const head = $("product-head");
    head.append(image(first.image_url, first.title));
    const text = node("div");
    text.append(node("h1", "", first.title), node("p", "meta",
      `${first.brand ? first.brand + " · " : ""}GTIN ${product.gtin} · ${product.offer_count} offer${product.offer_count === 1 ? "" : "s"}`));
    head.append(text);
    // The API lists offers cheapest total first; the page keeps its order.
    $("offers").tBodies[0].replaceChildren(...product.offers.map(offerRow));
  }

  function offerRow(offer) {
    const row = node("tr", "offer");
    const total = Api.addDecimals(offer.price, offer.shipping || "0");
    const cells = [
      node("td", "shop", offer.merchant_name || offer.merchant_id || offer.source),
      node("td", "num", Api.formatMoney(offer.price, offer.currency)),
      node("td", "num", offer.shipping === undefined || offer.shipping === null ? "unknown" : Api.formatMoney(offer.shipping, offer.currency)),
      node("td", "num total", Api.formatMoney(total, offer.currency)),
    ];
    const availability = node("td");
    availability.append(availabilityBadge(offer.availability));
    cells.push(availability, priceCheck(offer));
    const action = node("td");
    const shop = node("a", "shop-button", "Go to shop");
    shop.href = clickUrl(offer.click_url);
    shop.rel = "nofollow noopener";
    action.append(shop);
    cells.push(action);
    row.dataset.total = total || "";
    row.append(...cells);
    return row;
  }

  /** The click-out with the page's sub-id (the API adds it when asked; make sure). */
  function clickUrl(url) {
    const target = new URL(url, location.origin);
    if (!target.searchParams.has("sub_id")) target.searchParams.set("sub_id", SUB_ID);
    return target.toString();
  }

  /** The honest numbers, when the API has them: discount vs the 30-day low, and that low. */
  function priceCheck(offer) {
    const cell = node("td", "check");
    if (offer.discount_percent !== undefined && offer.discount_percent !== null) {
      cell.append(node("span", "discount", `−${offer.discount_percent} %`));
      if (offer.discount_verified === true) cell.append(node("span", "verified", "verified"));
    }
    if (offer.lowest_price_30d) {
      cell.append(node("span", "low30", `30-day low ${Api.formatMoney(offer.lowest_price_30d, offer.currency)}`));
    } else if (offer.history_days !== undefined && offer.history_days !== null) {
      cell.append(node("span", "low30", `${offer.history_days} days of price history`));
    }
    if (!cell.hasChildNodes()) cell.append(node("span", "low30", "–"));
    return cell;
  }

  async function showHistory(gtin) {
    const figure = $("history");
    figure.replaceChildren(node("p", "status loading", "Loading price history…"));
    let history = null;
    try {
      history = await Api.getJson(`/products/${encodeURIComponent(gtin)}/history?days=90`);
    } catch (err) {
      if (err.status !== 404) {
        figure.replaceChildren(node("p", "status error", `Could not load the price history: ${err.message}`));
        return;
      }
    }
    if (!history || PriceChart.draw(figure, history) === 0) {
      figure.replaceChildren(node("p", "status empty", "No price history yet."));
    }
  }

  // ---- suggestions ---------------------------------------------------------------------------
  function setUpSuggestions() {
    const input = $("q");
    const list = $("suggestions");
    let timer = 0;
    let active = -1;
    let abort = null;
    const close = () => {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (index) => {
      const options = list.querySelectorAll("li");
      options.forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
      else input.removeAttribute("aria-activedescendant");
    };
    const choose = (text) => {
      close();
      input.value = text;
      go(newSearch(text));
    };
    const load = async () => {
      const text = input.value.trim();
      if (abort) abort.abort();
      if (!text) return close();
      abort = new AbortController();
      try {
        const answer = await Api.getJson(`/suggest?limit=8&q=${encodeURIComponent(text)}`, abort.signal);
        const options = (answer.suggestions || []).map((suggestion, i) => {
          const li = node("li", "", suggestion);
          li.id = `suggestion-${i}`;
          li.setAttribute("role", "option");
          li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(suggestion); });
          return li;
        });
        if (options.length === 0) return close();
        list.replaceChildren(...options);
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        active = -1;
      } catch (_) {
        close(); // suggestions are a help, not a must: a failed one shows nothing
      }
    };
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(load, SUGGEST_DELAY_MS); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", (event) => {
      const count = list.hidden ? 0 : list.children.length;
      if (event.key === "ArrowDown" && count) { event.preventDefault(); highlight((active + 1) % count); }
      else if (event.key === "ArrowUp" && count) { event.preventDefault(); highlight((active - 1 + count) % count); }
      else if (event.key === "Escape" && !list.hidden) { event.preventDefault(); close(); } // keep the text
      else if (event.key === "Enter" && active >= 0 && count) { event.preventDefault(); choose(list.children[active].textContent); }
    });
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      close();
      go(newSearch(input.value.trim()));
    });
  }

  // ---- small helpers -------------------------------------------------------------------------
  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function image(url, alt) {
    const img = node("img", "thumb");
    img.alt = alt || "";
    img.loading = "lazy";
    img.referrerPolicy = "no-referrer";
    img.addEventListener("error", () => {
      // A broken image becomes the placeholder; the title beside it says what it was.
      img.alt = "";
      img.removeAttribute("src");
      img.classList.add("missing");
    });
    if (url) {
      img.src = url;
    } else {
      img.alt = "";
      img.classList.add("missing");
    }
    return img;
  }

  function priceLabel(bucket) {
    return bucket.endsWith("+") ? `${bucket.slice(0, -1)} and more` : bucket.replace("-", " – ");
  }

  function shippingText(offer) {
    if (offer.shipping === undefined || offer.shipping === null) return "shipping not stated";
    if (/^0+(\.0+)?$/.test(offer.shipping)) return "free shipping";
    return `+ ${Api.formatMoney(offer.shipping, offer.currency)} shipping`;
  }

  function availabilityBadge(availability) {
    const labels = { in_stock: "In stock", out_of_stock: "Out of stock", preorder: "Pre-order", backorder: "Back-order" };
    const value = availability || "unknown";
    return node("span", `stock stock-${value}`, labels[value] || "Availability unknown");
  }

  function setStatus(id, text, kind) {
    const status = $(id);
    status.textContent = text;
    status.className = `status ${kind}`;
    status.hidden = !text;
  }

  // Links inside the page change the state without a reload.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link || link.origin !== location.origin || link.pathname !== "/" || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    history.pushState(null, "", link.pathname + link.search);
    render();
    window.scrollTo(0, 0);
  });
  $("sort").addEventListener("change", (event) => go({ ...readState(), sort: event.target.value, page: 1 }));
  window.addEventListener("popstate", render);
  setUpSuggestions();
  render();
})();
