// The price-history chart: an SVG line chart of the market's daily low and one line per
// merchant, drawn by hand (a few dozen lines instead of a charting library).
// Input is the JSON of GET /products/{gtin}/history. Prices become pixel positions here only;
// every price shown as text is the API's decimal string.
"use strict";

const PriceChart = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 640;
  const HEIGHT = 240;
  const PAD = { left: 64, right: 12, top: 12, bottom: 28 };
  const COLORS = ["#1d4ed8", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d"];

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The series to draw, in the currency of the market's latest day: market low first. */
  function seriesOf(history) {
    const market = history.market || [];
    if (market.length === 0) return [];
    const currency = market[market.length - 1].currency;
    const series = [{
      name: "Market low",
      points: market.filter((day) => day.currency === currency).map((day) => [day.date, day.low]),
    }];
    for (const merchant of history.merchants || []) {
      if (merchant.currency !== currency) continue;
      const points = (merchant.points || []).map((p) => [p.date, p.low]);
      if (points.length > 0) series.push({ name: merchant.merchant || merchant.source, points });
    }
    series.currency = currency;
    return series;
  }

  /** Draws `history` into `figure`; returns how many lines were drawn (0: nothing to show). */
  function draw(figure, history) {
    figure.replaceChildren();
    const series = seriesOf(history);
    if (series.length === 0) return 0;
    const days = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort();
    const prices = series.flatMap((s) => s.points.map((p) => p[1]));
    const values = prices.map(Number);
    const low = Math.min(...values);
    const high = Math.max(...values);
    const lowText = prices[values.indexOf(low)];
    const highText = prices[values.indexOf(high)];
    // Days are placed by their date, so a week without a change point takes a week's width.
    const time = (date) => Date.parse(`${date}T00:00:00Z`);
    const first = time(days[0]);
    const span = time(days[days.length - 1]) - first;
    const x = (date) => PAD.left + (span > 0 ? (time(date) - first) / span : 0.5)
      * (WIDTH - PAD.left - PAD.right);
    const y = (price) => PAD.top + (high === low ? 0.5 : (high - Number(price)) / (high - low))
      * (HEIGHT - PAD.top - PAD.bottom);

    const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
      "aria-label": `Daily lowest prices from ${days[0]} to ${days[days.length - 1]}` });
    svg.append(el("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(high), y2: y(high), class: "grid" }));
    svg.append(el("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(low), y2: y(low), class: "grid" }));
    svg.append(el("text", { x: PAD.left - 6, y: y(high) + 4, class: "axis", "text-anchor": "end" },
      Api.formatMoney(highText, series.currency)));
    svg.append(el("text", { x: PAD.left - 6, y: y(low) + 4, class: "axis", "text-anchor": "end" },
      Api.formatMoney(lowText, series.currency)));
    svg.append(el("text", { x: PAD.left, y: HEIGHT - 8, class: "axis" }, days[0]));
    svg.append(el("text", { x: WIDTH - PAD.right, y: HEIGHT - 8, class: "axis", "text-anchor": "end" },
      days[days.length - 1]));

    const legend = document.createElement("ul");
    legend.className = "legend";
    const lines = [];
    series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length];
      const points = s.points.map(([date, price]) => `${x(date).toFixed(1)},${y(price).toFixed(1)}`);
      lines.push(el("polyline", { points: points.join(" "), stroke: color, class: i === 0 ? "series market" : "series",
        "data-name": s.name }));
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = color;
      item.append(swatch, s.name);
      legend.append(item);
    });
    svg.append(...lines.reverse()); // the market's low on top of the shop it comes from
    figure.append(svg, legend);
    return series.length;
  }

  return { draw };
})();
