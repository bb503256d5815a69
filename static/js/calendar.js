// The coach's calendar (templates/sessions/calendar_grid.html), a progressive enhancement:
// the current time line moves every minute, and an appointment or a Backstage meeting still to
// come can be dragged (mouse, pen or touch) to another time, in steps of 15 minutes. The drop is
// sent to the same view and rules as the move form (the answer in JSON); a refusal puts the
// block back and says why. Without this file every page works: the appointment's own page has
// the move form, which is also the keyboard's way.
(function () {
  "use strict";

  const grid = document.getElementById("cal-grid");
  if (!grid) {
    return;
  }
  const STEP = 15; // minutes in a row of the grid
  const firstHour = Number(grid.dataset.firstHour);
  const lastHour = Number(grid.dataset.lastHour);
  const rows = ((lastHour - firstHour) * 60) / STEP;
  const feedback = document.getElementById("cal-feedback");
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function clock(minutes) {
    const wrapped = ((minutes % 1440) + 1440) % 1440;
    return pad(Math.floor(wrapped / 60)) + ":" + pad(wrapped % 60);
  }

  // --- The current time line, in the practice's time zone -----------------------------------

  function practiceNow() {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: grid.dataset.zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date())
      .forEach(function (part) {
        parts[part.type] = part.value;
      });
    return {
      date: parts.year + "-" + parts.month + "-" + parts.day,
      minutes: Number(parts.hour) * 60 + Number(parts.minute),
    };
  }

  function moveNowLine() {
    const line = document.getElementById("cal-now");
    if (!line) {
      return;
    }
    const now = practiceNow();
    const from = firstHour * 60;
    const shown =
      line.parentElement.dataset.date === now.date &&
      now.minutes >= from &&
      now.minutes < lastHour * 60;
    line.hidden = !shown;
    if (shown) {
      line.style.top = ((100 * (now.minutes - from)) / (rows * STEP)).toFixed(2) + "%";
    }
  }
  window.setInterval(moveNowLine, 60 * 1000);

  // --- What happened, said on the page and to a screen reader -----------------------------------

  function say(message, kind) {
    const alert = document.createElement("div");
    alert.className = "alert alert-" + kind + " mb-3";
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.textContent = message;
    feedback.replaceChildren(alert);
  }

  // --- Dragging -------------------------------------------------------------------------------

  let drag = null;
  let swallowClick = false; // the click that ends a drag does not open the appointment

  function bodies() {
    return Array.from(grid.querySelectorAll(".cal-day .cal-body"));
  }

  function rowsOf(block) {
    return Math.max(1, Math.ceil(Number(block.dataset.minutes) / STEP));
  }

  function timeLabel(block) {
    return block.querySelector(".cal-time");
  }

  function putBack(state) {
    state.block.style.transform = "";
    state.block.classList.remove("cal-dragging", "cal-busy");
    timeLabel(state.block).textContent = state.timeText;
  }

  function minutesAt(row) {
    return firstHour * 60 + (row - 1) * STEP;
  }

  grid.addEventListener("pointerdown", function (event) {
    swallowClick = false;
    const block = event.target.closest(".cal-block[data-move-url]");
    if (!block || event.button !== 0 || !event.isPrimary || block.classList.contains("cal-busy")) {
      return;
    }
    const row = Number(block.dataset.row);
    drag = {
      block: block,
      body: block.closest(".cal-body"),
      target: block.closest(".cal-body"),
      pointerId: event.pointerId,
      x: event.clientX,
      y: event.clientY,
      row: row,
      newRow: row,
      moved: false,
      timeText: timeLabel(block).textContent,
    };
  });

  grid.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointerId) {
      return;
    }
    const dy = event.clientY - drag.y;
    if (!drag.moved) {
      if (Math.abs(event.clientX - drag.x) < 5 && Math.abs(dy) < 5) {
        return;
      }
      drag.moved = true;
      drag.block.setPointerCapture(event.pointerId);
      drag.block.classList.add("cal-dragging");
    }
    event.preventDefault();
    const over = bodies().find(function (body) {
      const box = body.getBoundingClientRect();
      return event.clientX >= box.left && event.clientX < box.right;
    });
    drag.target = over || drag.target;
    const from = drag.body.getBoundingClientRect();
    const to = drag.target.getBoundingClientRect();
    const rowHeight = from.height / rows;
    const span = rowsOf(drag.block);
    drag.newRow = Math.max(1, Math.min(rows + 1 - span, drag.row + Math.round(dy / rowHeight)));
    drag.block.style.transform =
      "translate(" + (to.left - from.left) + "px, " + (drag.newRow - drag.row) * rowHeight + "px)";
    const start = minutesAt(drag.newRow);
    timeLabel(drag.block).textContent =
      clock(start) + "–" + clock(start + Number(drag.block.dataset.minutes));
  });

  function place(state, start) {
    const block = state.block;
    const list = state.target.querySelector(".cal-blocks");
    list.querySelectorAll("li.visually-hidden").forEach(function (empty) {
      empty.remove();
    });
    block.style.transform = "";
    block.style.gridRow = state.newRow + " / " + (state.newRow + rowsOf(block));
    block.style.gridColumn = "1 / -1";
    block.dataset.row = String(state.newRow);
    block.classList.remove("cal-dragging", "cal-busy");
    list.appendChild(block);
    timeLabel(block).textContent = clock(start) + "–" + clock(start + Number(block.dataset.minutes));
    // The day in the link's text (for a screen reader) is the new day's.
    const day = block.querySelector("a > .visually-hidden");
    const heading = state.target.closest("section").querySelector(".cal-weekday");
    const date = state.target.closest("section").querySelector(".cal-date");
    if (day && heading && date) {
      day.textContent = heading.textContent + " " + date.textContent + ", ";
    }
  }

  function drop(event) {
    if (!drag || event.pointerId !== drag.pointerId) {
      return;
    }
    const state = drag;
    drag = null;
    if (!state.moved) {
      return;
    }
    swallowClick = true;
    if (state.target === state.body && state.newRow === state.row) {
      putBack(state);
      return;
    }
    const start = minutesAt(state.newRow);
    const data = new FormData();
    data.append("start", state.target.dataset.date + "T" + clock(start));
    state.block.classList.add("cal-busy");
    fetch(state.block.dataset.moveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { ok: false, message: grid.dataset.msgFailed };
        });
      })
      .then(function (answer) {
        if (answer.ok) {
          place(state, start);
          say(answer.message, "success");
        } else {
          putBack(state);
          say(answer.message || grid.dataset.msgFailed, "danger");
        }
      })
      .catch(function () {
        putBack(state);
        say(grid.dataset.msgFailed, "danger");
      });
  }

  grid.addEventListener("pointerup", drop);
  grid.addEventListener("pointercancel", function (event) {
    if (drag && event.pointerId === drag.pointerId) {
      putBack(drag);
      drag = null;
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drag && drag.moved) {
      putBack(drag);
      drag = null;
      swallowClick = true;
    }
  });
  grid.addEventListener(
    "click",
    function (event) {
      if (swallowClick) {
        swallowClick = false;
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );
})();
