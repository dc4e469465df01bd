// The comparison page: search with suggestions, facets, sorting and pages, and the product view
// per GTIN (product.js). The state lives in the URL (`/?q=…&brand=…&page=2`, `/?gtin=…`), so
// links can be shared and the back button works.
"use strict";

(() => {
  const PER_PAGE = 20;
  const SUB_ID = "web";
  const FACETS = [["brand", "Brand"], ["category", "Category"], ["merchant", "Shop"], ["price", "Price"]];
  const { node } = Dom;
  const $ = (id) => document.getElementById(id);
  let searchAbort = null;
  let lastSearchUrl = "/";

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
      $("back").href = lastSearchUrl;
      Product.show(state.gtin, SUB_ID);
    } else {
      lastSearchUrl = stateUrl(state);
      document.title = "feedmill · compare prices";
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
    // Price buckets are "50-100" or "1000+".
    const [min, max] = state.price.replace("+", "-").split("-");
    if (min) p.set("min_price", min);
    if (max) p.set("max_price", max);
    return `/search?${p}`;
  }

  async function runSearch(state) {
    if (searchAbort) searchAbort.abort();
    searchAbort = new AbortController();
    Dom.setStatus("search-status", "Searching…", "loading");
    $("results").setAttribute("aria-busy", "true");
    try {
      const answer = await Api.getJson(searchPath(state), searchAbort.signal);
      showResults(state, answer);
    } catch (err) {
      if (err.name === "AbortError") return;
      $("results").replaceChildren();
      $("pager").replaceChildren();
      $("summary").textContent = "";
      Dom.setStatus("search-status", `Search failed: ${err.message}`, "error");
    }
    $("results").removeAttribute("aria-busy");
  }

  function showResults(state, answer) {
    const items = answer.items || [];
    $("summary").textContent = `${answer.total} offer${answer.total === 1 ? "" : "s"}`
      + (state.q ? ` for “${state.q}”` : "");
    const empty = items.length === 0;
    Dom.setStatus("search-status", empty ? "No offers match. Try fewer words or remove a filter." : "", "empty");
    $("results").replaceChildren(...items.map(resultCard));
    showFacets(state, answer.facets || {});
    showPager(state, answer.total);
  }

  function resultCard(offer) {
    const li = node("li", "card");
    const body = node("div", "card-body");
    const title = node(offer.gtin ? "a" : "span", "title", offer.title);
    if (offer.gtin) title.href = stateUrl({ gtin: offer.gtin });
    body.append(title);
    if (offer.brand) body.append(node("span", "brand-name", offer.brand));
    body.append(
      node("p", "price", Api.formatMoney(offer.price, offer.currency)),
      node("p", "meta", Dom.shippingText(offer)),
      Dom.availabilityBadge(offer.availability),
      node("p", "merchant", offer.merchant_name || offer.merchant_id || offer.source));
    li.append(Dom.image(offer.image_url, offer.title), body);
    return li;
  }

  // ---- facets and pages ------------------------------------------------------------------------
  function showFacets(state, facets) {
    const box = $("facets");
    box.replaceChildren();
    for (const [kind, label] of FACETS) {
      const values = (facets[kind] || []).filter((f) => f.count > 0 || isActive(state, kind, f.value));
      if (values.length === 0) continue;
      const group = node("fieldset", "facet");
      group.append(node("legend", "", label), ...values.map((facet) => facetButton(state, kind, facet)));
      box.append(group);
    }
    if (state.brand.length || state.category || state.merchant || state.price) {
      const clear = node("button", "clear", "Clear filters");
      clear.type = "button";
      clear.addEventListener("click", () => go({ ...newSearch(state.q), sort: state.sort }));
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

  function priceLabel(bucket) {
    return bucket.endsWith("+") ? `${bucket.slice(0, -1)} and more` : bucket.replace("-", " – ");
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

  // ---- wiring ----------------------------------------------------------------------------------
  const suggestions = Suggest.attach($("q"), $("suggestions"), (text) => go(newSearch(text)));
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    suggestions.close();
    go(newSearch($("q").value.trim()));
  });
  // Links inside the page change the state without a reload (a new tab still opens one).
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link || link.origin !== location.origin || link.pathname !== "/") return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    history.pushState(null, "", link.pathname + link.search);
    render();
    window.scrollTo(0, 0);
  });
  $("sort").addEventListener("change", (event) => go({ ...readState(), sort: event.target.value, page: 1 }));
  window.addEventListener("popstate", render);
  render();
})();
