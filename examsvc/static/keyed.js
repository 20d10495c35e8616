// Keyed entry of an answer sheet, keyboard first, for when there is no scan: the proctor types the
// whole sheet without separators (ACBDA, TFTFT), shown in groups of five questions. The widget only
// ever writes the typed-sheet field (input[name=answers]) in the format a proctor types there, so
// saving, the outbox (tablet.js) and the server see nothing new. The field stays the truth: typed in
// directly or tapped on the touch grid, it is read back here.
"use strict";

(function () {
  const root = document.getElementById("tablet");
  if (!root || !root.dataset.layout) return; // only sittings marked by answer sheet carry a layout
  const layout = JSON.parse(root.dataset.layout); // [type, marks] per printed question
  const count = layout.length;
  if (!count) return;
  const msg = root.dataset;

  // What grading.py's parse_sheet reads, so the widget shows a token the way the server will take it.
  const SEPARATORS = /[\s,，、;；]+/;
  const BLANKS = new Set(["-", "_", "—"]);
  const TRUE_TOKENS = new Set(["对", "√", "✓", "T", "TRUE", "Y"]);
  const FALSE_TOKENS = new Set(["错", "×", "✗", "X", "F", "FALSE", "N"]);
  // Keys, not tokens: 1/0 are typed on a numeric keypad but are not tokens the server knows, so
  // what is written is always 对 or 错.
  const TRUE_KEYS = new Set(["T", "1", "Y", "√", "✓", "对"]);
  const FALSE_KEYS = new Set(["F", "0", "N", "X", "×", "✗", "错"]);
  const ENDS = new Set([" ", "Enter", ".", "/"]); // end a multiple-choice answer
  const FIELD_VALUE = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
  let made = 0;

  function fill(text, values) {
    return (text || "").replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }
  function shown(token, type) {
    if (token === null) return "";
    const upper = token.toUpperCase();
    if (BLANKS.has(upper)) return "-";
    if (type === "truefalse" && TRUE_TOKENS.has(upper)) return "对";
    if (type === "truefalse" && FALSE_TOKENS.has(upper)) return "错";
    return upper;
  }
  function valid(token, [type, marks]) {
    const upper = token.toUpperCase();
    if (BLANKS.has(upper)) return true;
    if (type === "truefalse") return TRUE_TOKENS.has(upper) || FALSE_TOKENS.has(upper);
    const letters = Array.from(upper);
    if (new Set(letters).size !== letters.length || !letters.every((c) => marks.includes(c))) return false;
    return type !== "single" || letters.length === 1;
  }
  function range(first, last) {
    return first === last ? String(first) : first + "–" + last;
  }

  function attach(form) {
    const field = form.querySelector("input[name=answers]");
    if (!field) return;
    const id = "keyed-" + ++made;
    let answers = []; // one per question: null while not typed, else the token as the field holds it
    let extra = []; // tokens typed in the field past the last question: kept, and pointed out
    let at = 0; // the current question; `count` stands for "after the last one"
    let typed = []; // letters of the multiple-choice answer being typed, in typed order (for Backspace)
    let written = null; // the field's value as last read or written here

    // ---- the widget: groups of five cells, the position line, a hint line, a line of help
    const box = document.createElement("div");
    box.className = "keyed";
    const sheet = document.createElement("div");
    sheet.className = "keyed-sheet";
    sheet.tabIndex = 0;
    // It takes every key itself: "application" tells a screen reader to pass them through.
    sheet.setAttribute("role", "application");
    sheet.setAttribute("aria-label", msg.msgKeyed || "");
    sheet.setAttribute("aria-describedby", id + "-position " + id + "-help");
    const cells = [];
    for (let first = 0; first < count; first += 5) {
      const group = document.createElement("span");
      group.className = "keyed-group";
      const label = document.createElement("span");
      label.className = "keyed-range";
      label.textContent = range(first + 1, Math.min(first + 5, count));
      group.appendChild(label);
      for (let i = first; i < Math.min(first + 5, count); i++) {
        const cell = document.createElement("span");
        cell.className = "keyed-cell " + layout[i][0];
        cell.dataset.index = i;
        cells.push(cell);
        group.appendChild(cell);
      }
      sheet.appendChild(group);
    }
    const end = document.createElement("span"); // where the cursor rests once the last answer is typed
    end.className = "keyed-cell keyed-end";
    end.dataset.index = count;
    end.textContent = "⏎";
    sheet.appendChild(end);
    const position = document.createElement("p");
    position.className = "keyed-position";
    position.id = id + "-position";
    position.setAttribute("role", "status");
    position.setAttribute("aria-live", "polite");
    const hint = document.createElement("p");
    hint.className = "keyed-hint error";
    hint.setAttribute("aria-live", "polite");
    hint.hidden = true;
    const help = document.createElement("p");
    help.className = "keyed-help hint";
    help.id = id + "-help";
    help.textContent = msg.msgKeyedHelp || "";
    box.append(sheet, position, hint, help);
    form.appendChild(box); // inside the form: hidden with it until the candidate is checked in

    // ---- the field, read and written
    function read() {
      const tokens = field.value.trim().split(SEPARATORS).filter(Boolean);
      answers = layout.map((_, i) => (i < tokens.length ? tokens[i] : null));
      extra = tokens.slice(count);
      written = field.value;
    }
    function write() {
      let last = count - 1;
      while (last >= 0 && answers[last] === null && !extra.length) last -= 1;
      // A question skipped over is written blank: the tokens are positional. Those not reached yet
      // are left out, so a sheet saved half typed is refused by the server's count, not taken.
      const tokens = answers.slice(0, last + 1).map((t) => (t === null ? "-" : t)).concat(extra);
      written = tokens.join(" ");
      field.value = written;
      field.dispatchEvent(new Event("input", { bubbles: true })); // the touch grid repaints on it
    }
    function firstOpen() {
      const open = answers.indexOf(null);
      return open === -1 ? count : open;
    }
    function follow() {
      if (field.value === written) return; // our own write
      read();
      at = firstOpen();
      typed = [];
      say(null);
      paint();
    }
    // tablet.js sets the field's value from its grid and its outbox without an event: catching the
    // setter of this one field is how the widget follows those too.
    Object.defineProperty(field, "value", {
      configurable: true,
      get() {
        return FIELD_VALUE.get.call(this);
      },
      set(value) {
        FIELD_VALUE.set.call(this, value);
        follow();
      },
    });
    field.addEventListener("input", follow);

    // ---- what is shown
    function paint() {
      cells.forEach((cell, i) => {
        const token = answers[i];
        cell.textContent = shown(token, layout[i][0]);
        cell.classList.toggle("empty", token === null);
        cell.classList.toggle("invalid", token !== null && !valid(token, layout[i]));
        cell.classList.toggle("current", i === at);
      });
      end.classList.toggle("current", at === count);
      const done = answers.filter((t) => t !== null).length;
      const values = { n: at + 1, count, left: count - done, found: count + extra.length };
      let text = fill(at < count ? msg.msgKeyedPosition : msg.msgKeyedEnd, values);
      if (extra.length) text += " " + fill(msg.msgKeyedExtra, values);
      position.textContent = text;
      position.classList.toggle("error", Boolean(extra.length));
    }
    function reveal() {
      (at === count ? end : cells[at]).scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    function say(text) {
      hint.hidden = !text;
      hint.textContent = text || "";
    }
    function refuse(template, key) {
      say(fill(template, { n: at + 1, count, key, marks: at < count ? layout[at][1] : "" }));
      const cell = at === count ? end : cells[at];
      cell.classList.remove("refused");
      void cell.offsetWidth; // restarts the flash when the same cell refuses twice in a row
      cell.classList.add("refused");
    }

    // ---- editing
    function move(to) {
      at = Math.max(0, Math.min(count, to));
      typed = [];
      say(null);
      return true;
    }
    function store(token, advance) {
      answers[at] = token;
      write();
      if (advance) return move(at + 1);
      say(null);
      return true;
    }
    function back() {
      if (at < count && typed.length) { // first undo the letters typed on this multiple-choice question
        const letter = typed.pop();
        const rest = (answers[at] || "").toUpperCase().replace(letter, "");
        answers[at] = rest || null;
        write();
        say(null);
        return true;
      }
      if (at === 0) return true;
      move(at - 1);
      answers[at] = null; // like a text field: Backspace takes away the answer before the cursor
      write();
      return true;
    }
    function toggle(letter) {
      const current = answers[at] && !BLANKS.has(answers[at]) ? answers[at].toUpperCase() : "";
      const letters = new Set(current);
      if (letters.has(letter)) {
        letters.delete(letter);
        typed = typed.filter((t) => t !== letter);
      } else {
        letters.add(letter);
        typed.push(letter);
      }
      answers[at] = Array.from(letters).sort().join("") || null;
      write();
      say(null);
      return true;
    }

    function press(key) {
      switch (key) {
        case "ArrowLeft": return move(at - 1);
        case "ArrowRight": return move(at + 1);
        case "ArrowUp": return move(at - 5); // a group of five up and down
        case "ArrowDown": return move(at + 5);
        case "Home": return move(0);
        case "End": return move(firstOpen());
        case "Backspace": return back();
        case "Delete": return at < count ? store(null, false) : true;
      }
      const printable = key.length === 1;
      if (at === count) {
        if (key === "Enter") {
          form.requestSubmit(); // through the form's submit event, so tablet.js queues it as ever
          return true;
        }
        if (printable && key !== " ") refuse(msg.msgKeyedPastEnd, key);
        return printable;
      }
      const [type, marks] = layout[at];
      const upper = printable ? key.toUpperCase() : key;
      if (type === "multiple") {
        if (ENDS.has(key)) return store(answers[at] === null ? "-" : answers[at], true);
        if (BLANKS.has(key)) return store("-", true);
        if (/^[A-Z]$/.test(upper) && marks.includes(upper)) return toggle(upper);
      } else if (key === " " || BLANKS.has(key)) {
        return store("-", true);
      } else if (ENDS.has(key)) {
        return true; // Enter . / end nothing on a one-key question; kept from scrolling or submitting
      } else if (type === "truefalse") {
        if (TRUE_KEYS.has(upper)) return store("对", true);
        if (FALSE_KEYS.has(upper)) return store("错", true);
      } else if (/^[A-Z]$/.test(upper) && marks.includes(upper)) {
        return store(upper, true);
      }
      if (!printable) return false; // Tab, Escape, F-keys: the browser's
      // Anything else printable is refused where it was typed, and nothing is stored.
      refuse(type === "truefalse" ? msg.msgKeyedTruefalse : msg.msgKeyedLetters, upper);
      return true;
    }

    sheet.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (!press(event.key)) return;
      event.preventDefault();
      paint();
      reveal();
    });
    sheet.addEventListener("click", (event) => {
      const cell = event.target.closest(".keyed-cell");
      if (!cell) return;
      move(Number(cell.dataset.index));
      paint();
      sheet.focus({ preventScroll: true });
    });

    read();
    at = firstOpen();
    paint();
  }

  root.querySelectorAll("form.sheet").forEach(attach);
})();
