// The page's access to the feedmill API, and exact money for display.
// Every request goes to this origin; the key the server wrote into the page (if any) is sent
// as X-Api-Key. Prices stay decimal strings: sums are done in integer minor units (BigInt).
"use strict";

const Api = (() => {
  const keyMeta = document.querySelector('meta[name="feedmill-api-key"]');
  const apiKey = keyMeta ? keyMeta.content : "";

  /** An error the page can show: the API's own message when it sent one. */
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** GET `path` as JSON; rejects with an ApiError carrying the API's message. */
  async function getJson(path, signal) {
    const headers = { Accept: "application/json" };
    if (apiKey) headers["X-Api-Key"] = apiKey;
    let response;
    try {
      response = await fetch(path, { headers, signal });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(0, "the server cannot be reached");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error && body.error.message;
      throw new ApiError(response.status, message || `request failed (${response.status})`);
    }
    return body;
  }

  /** A decimal string as [BigInt units, scale]: "12.50" → [1250n, 2]. */
  function parseDecimal(text) {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
    if (!match) return null;
    const fraction = match[3] || "";
    const units = BigInt(match[2] + fraction) * (match[1] ? -1n : 1n);
    return [units, fraction.length];
  }

  /** The exact sum of decimal strings, as a decimal string (null if one does not parse). */
  function addDecimals(...values) {
    const parsed = values.map(parseDecimal);
    if (parsed.some((p) => p === null)) return null;
    const scale = Math.max(2, ...parsed.map((p) => p[1]));
    let sum = 0n;
    for (const [units, s] of parsed) sum += units * 10n ** BigInt(scale - s);
    const negative = sum < 0n;
    const digits = (negative ? -sum : sum).toString().padStart(scale + 1, "0");
    const whole = digits.slice(0, digits.length - scale);
    return `${negative ? "-" : ""}${whole}.${digits.slice(digits.length - scale)}`;
  }

  /** A price for people: Intl formats the decimal string itself, without a float. */
  function formatMoney(amount, currency) {
    if (amount === null || amount === undefined) return "";
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
    } catch (_) {
      return `${amount} ${currency || ""}`.trim();
    }
  }

  return { getJson, ApiError, addDecimals, formatMoney };
})();
