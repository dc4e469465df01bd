// Small DOM helpers shared by the page's scripts: elements, images with a placeholder, the
// stock badge, shipping text and status lines.
"use strict";

const Dom = (() => {
  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  /** A product image from the shop's host; a broken or absent one becomes a placeholder. */
  function image(url, alt) {
    const img = node("img", "thumb");
    img.alt = alt || "";
    img.loading = "lazy";
    img.referrerPolicy = "no-referrer";
    img.addEventListener("error", () => {
      // The title beside the image says what it was.
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

  function availabilityBadge(availability) {
    const labels = { in_stock: "In stock", out_of_stock: "Out of stock", preorder: "Pre-order", backorder: "Back-order" };
    const value = availability || "unknown";
    return node("span", `stock stock-${value}`, labels[value] || "Availability unknown");
  }

  function shippingText(offer) {
    if (offer.shipping === undefined || offer.shipping === null) return "shipping not stated";
    if (/^0+(\.0+)?$/.test(offer.shipping)) return "free shipping";
    return `+ ${Api.formatMoney(offer.shipping, offer.currency)} shipping`;
  }

  /** Shows `text` in the status line `id` (hidden when empty); `kind` is loading, empty or error. */
  function setStatus(id, text, kind) {
    const status = document.getElementById(id);
    status.textContent = text;
    status.className = `status ${kind}`;
    status.hidden = !text;
  }

  return { node, image, availabilityBadge, shippingText, setStatus };
})();
