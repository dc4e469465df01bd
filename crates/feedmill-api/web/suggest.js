// Suggestions as you type, as an ARIA combobox: a debounced `/suggest` after each pause,
// ArrowDown/ArrowUp to move, Enter to pick, Escape to close (a second Escape clears the box).
"use strict";

const Suggest = (() => {
  const DELAY_MS = 150;
  const LIMIT = 8;

  /** Wires `input` and its `list`; `choose(text)` runs when a suggestion is picked. */
  function attach(input, list, choose) {
    let timer = 0;
    let active = -1;
    let abort = null;

    const close = () => {
      clearTimeout(timer);
      if (abort) abort.abort();
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
      input.setAttribute("aria-activedescendant", options[index].id);
    };
    const pick = (text) => {
      close();
      input.value = text;
      choose(text);
    };
    const option = (text, i) => {
      const li = Dom.node("li", "", text);
      li.id = `suggestion-${i}`;
      li.setAttribute("role", "option");
      li.addEventListener("mousedown", (event) => { event.preventDefault(); pick(text); });
      return li;
    };
    const load = async () => {
      const text = input.value.trim();
      if (abort) abort.abort();
      if (!text) return close();
      abort = new AbortController();
      try {
        const answer = await Api.getJson(`/suggest?limit=${LIMIT}&q=${encodeURIComponent(text)}`, abort.signal);
        const options = (answer.suggestions || []).map(option);
        if (options.length === 0) return close();
        list.replaceChildren(...options);
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        active = -1;
      } catch (_) {
        close(); // suggestions are a help, not a must: a failed one shows nothing
      }
    };

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(load, DELAY_MS); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", (event) => {
      const count = list.hidden ? 0 : list.children.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight((active - 1 + count) % count);
      } else if (event.key === "Escape" && count) {
        event.preventDefault(); // close the list, keep the text
        close();
      } else if (event.key === "Enter" && count && active >= 0) {
        event.preventDefault();
        pick(list.children[active].textContent);
      }
    });
    return { close };
  }

  return { attach };
})();
