// The product view of one GTIN: every offer side by side (the API lists them cheapest total
// first), the honest discount and 30-day low when the offer JSON has them, the price-history
// chart, and "Go to shop" through the click-out with the page's sub-id.
"use strict";

const Product = (() => {
  const { node } = Dom;
  const $ = (id) => document.getElementById(id);

  async function show(gtin, subId) {
    $("product-head").replaceChildren();
    $("offers").tBodies[0].replaceChildren();
    $("history").replaceChildren();
    Dom.setStatus("product-status", "Loading offers…", "loading");
    try {
      const product = await Api.getJson(`/products/${encodeURIComponent(gtin)}?subid=${subId}`);
      Dom.setStatus("product-status", "", "");
      showOffers(product, subId);
      document.title = `${product.offers[0].title} · feedmill`;
    } catch (err) {
      const missing = err.status === 404;
      const text = missing ? "No shop offers this product right now." : `Could not load the product: ${err.message}`;
      Dom.setStatus("product-status", text, missing ? "empty" : "error");
      return;
    }
    showHistory(gtin);
  }

  function showOffers(product, subId) {
    const first = product.offers[0];
    const count = product.offer_count;
    const text = node("div");
    text.append(node("h1", "", first.title), node("p", "meta",
      `${first.brand ? first.brand + " · " : ""}GTIN ${product.gtin} · ${count} offer${count === 1 ? "" : "s"}`));
    $("product-head").append(Dom.image(first.image_url, first.title), text);
    // The API lists offers cheapest total first; the page keeps its order.
    $("offers").tBodies[0].replaceChildren(...product.offers.map((offer) => offerRow(offer, subId)));
  }

  function offerRow(offer, subId) {
    const row = node("tr", "offer");
    const total = Api.addDecimals(offer.price, offer.shipping || "0");
    const shipping = offer.shipping === undefined || offer.shipping === null
      ? "unknown" : Api.formatMoney(offer.shipping, offer.currency);
    const availability = node("td");
    availability.append(Dom.availabilityBadge(offer.availability));
    const action = node("td");
    const shop = node("a", "shop-button", "Go to shop");
    shop.href = clickUrl(offer.click_url, subId);
    shop.rel = "nofollow noopener";
    action.append(shop);
    row.dataset.total = total || "";
    row.append(
      node("td", "shop", offer.merchant_name || offer.merchant_id || offer.source),
      node("td", "num", Api.formatMoney(offer.price, offer.currency)),
      node("td", "num", shipping),
      node("td", "num total", Api.formatMoney(total, offer.currency)),
      availability, priceCheck(offer), action);
    return row;
  }

  /** The click-out with the page's sub-id (the API adds it when asked; make sure). */
  function clickUrl(url, subId) {
    const target = new URL(url, location.origin);
    if (!target.searchParams.has("sub_id")) target.searchParams.set("sub_id", subId);
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

  return { show };
})();
