/* The network page: draws an ego network with Cytoscape.js from the network API, expands it
 * person by person, shows the events of a person or of a tie, and exports the image.
 * Everything it says comes translated from the page (#network-strings, #network-config). */
(function () {
  "use strict";

  var configNode = document.getElementById("network-config");
  var graphNode = document.getElementById("network-graph");
  if (!configNode || !graphNode || typeof window.cytoscape !== "function") {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var S = document.getElementById("network-strings").dataset;
  var lang = document.documentElement.lang || "en";
  var rtl = document.documentElement.dir === "rtl";

  var state = {
    centre: config.centre,
    filters: {
      from: config.filters.from || "",
      to: config.filters.to || "",
      facility: (config.filters.facility || []).map(String),
      hops: String(config.filters.hops || 1)
    },
    parties: new Map(), // party id → description and hop
    ties: new Map(), // "a-b" → tie
    expanded: new Set(),
    selected: null, // {type: "node", id} or {type: "tie", key}
    timeline: null, // {party, other, page, shown}
    loads: 0,
    timelines: 0
  };

  var $ = function (id) { return document.getElementById(id); };
  var statusNode = $("network-status");
  var expandButton = $("network-expand");
  var timelineTitle = $("network-timeline-title").textContent;

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      made.setAttribute(name, attributes[name]);
    });
    if (text !== undefined && text !== null) {
      made.textContent = String(text);
    }
    return made;
  }

  function bdi(text) {
    return element("bdi", {}, text);
  }

  function say(text, isError) {
    statusNode.textContent = text;
    statusNode.classList.toggle("error", Boolean(isError));
  }

  // --- the API ------------------------------------------------------------------------------

  function query(extra) {
    var params = new URLSearchParams();
    if (state.filters.from) { params.set("from", state.filters.from); }
    if (state.filters.to) { params.set("to", state.filters.to); }
    state.filters.facility.forEach(function (pk) { params.append("facility", pk); });
    Object.keys(extra || {}).forEach(function (name) {
      if (extra[name] !== null && extra[name] !== undefined && extra[name] !== "") {
        params.set(name, extra[name]);
      }
    });
    return params.toString();
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            throw new Error(body.detail || S.failed);
          }
          return body;
        });
      });
  }

  // --- the graph ----------------------------------------------------------------------------

  // Cytoscape adds a <style> element (position: relative on its container) unless one with
  // this id exists; the content security policy refuses inline styles, and custos.css already
  // positions the container, so a placeholder stands in for it.
  if (!document.getElementById("__________cytoscape_stylesheet")) {
    document.head.appendChild(element("meta", {id: "__________cytoscape_stylesheet"}));
  }

  var cy = window.cytoscape({
    container: graphNode,
    elements: [],
    minZoom: 0.15,
    maxZoom: 4,
    style: [
      {selector: "node", style: {
        "label": "data(label)", "width": "data(size)", "height": "data(size)",
        "font-size": 11, "font-family": "system-ui, \"Noto Sans\", \"Noto Sans Arabic\", Tahoma, sans-serif",
        "color": "#1d2433", "text-valign": "bottom", "text-margin-y": 4,
        "text-wrap": "ellipsis", "text-max-width": 140,
        "text-background-color": "#ffffff", "text-background-opacity": 0.8,
        "text-background-padding": 1, "border-width": 1, "border-color": "#ffffff"
      }},
      {selector: "node[?prisoner]", style: {"shape": "round-rectangle", "background-color": "#1f5f8b"}},
      {selector: "node[!prisoner]", style: {"shape": "ellipse", "background-color": "#d9822b"}},
      {selector: "node[?centre]", style: {"border-width": 5, "border-color": "#12324a"}},
      {selector: "node:selected", style: {"border-width": 5, "border-color": "#c0392b",
                                          "border-style": "double"}},
      {selector: "edge", style: {"width": "data(width)", "line-color": "#9aa5b8",
                                 "curve-style": "bezier", "opacity": 0.9}},
      {selector: "edge:selected", style: {"line-color": "#c0392b", "opacity": 1}}
    ]
  });
  cy.boxSelectionEnabled(false);
  window.custosNetwork = {cy: cy, state: state};

  function label(party) {
    return party.name || party.ref || ("#" + party.party);
  }

  function nodeEvents() {
    var totals = new Map();
    state.ties.forEach(function (tie) {
      totals.set(tie.a, (totals.get(tie.a) || 0) + tie.events);
      totals.set(tie.b, (totals.get(tie.b) || 0) + tie.events);
    });
    return totals;
  }

  function restyle() {
    var totals = nodeEvents();
    cy.batch(function () {
      cy.nodes().forEach(function (node) {
        var events = totals.get(Number(node.id())) || 0;
        node.data("events", events);
        node.data("size", Math.min(90, 22 + 7 * Math.sqrt(events)));
      });
      cy.edges().forEach(function (edge) {
        var events = edge.data("events") || 1;
        edge.data("width", Math.min(14, 1.5 + 2 * Math.log2(events)));
      });
    });
  }

  /* Adds the parties and ties of an ego answer; `around` is the party it was drawn around,
   * whose hop is added to theirs. Returns how many parties and ties are new. */
  function merge(answer, around) {
    var base = around === null ? 0 : (state.parties.get(around) || {hop: 0}).hop;
    var origin = around === null ? null : cy.getElementById(String(around));
    var added = {people: 0, ties: 0};
    cy.batch(function () {
      answer.parties.forEach(function (party) {
        var hop = base + party.hop;
        var known = state.parties.get(party.party);
        if (known) {
          known.hop = Math.min(known.hop, hop);
          return;
        }
        state.parties.set(party.party, Object.assign({}, party, {hop: hop}));
        added.people += 1;
        var position = origin && origin.nonempty() ? {
          x: origin.position("x") + (Math.random() - 0.5) * 80,
          y: origin.position("y") + (Math.random() - 0.5) * 80
        } : undefined;
        cy.add({group: "nodes", position: position, data: {
          id: String(party.party), label: label(party), prisoner: Boolean(party.is_prisoner),
          centre: party.party === state.centre, size: 22, events: 0
        }});
      });
      answer.ties.forEach(function (tie) {
        var key = Math.min(tie.a, tie.b) + "-" + Math.max(tie.a, tie.b);
        if (!state.ties.has(key)) {
          added.ties += 1;
          cy.add({group: "edges", data: {id: "t" + key, key: key, source: String(tie.a),
                                         target: String(tie.b), events: tie.events, width: 2}});
        } else {
          cy.getElementById("t" + key).data("events", tie.events);
        }
        state.ties.set(key, tie);
      });
    });
    restyle();
    return added;
  }

  function layout(randomize) {
    cy.layout({
      name: "cose", animate: false, randomize: randomize, fit: true, padding: 30,
      nodeDimensionsIncludeLabels: true, idealEdgeLength: function () { return 90; },
      nodeRepulsion: function () { return 9000; }, componentSpacing: 60
    }).run();
  }

  function reset() {
    cy.elements().remove();
    state.parties.clear();
    state.ties.clear();
    state.expanded.clear();
    state.selected = null;
    clearTimeline();
    showDetails(null);
  }

  function load() {
    var ticket = ++state.loads;
    reset();
    say(S.loading);
    getJSON(config.api.ego + "?" + query({party: state.centre, hops: state.filters.hops}))
      .then(function (answer) {
        if (ticket !== state.loads) { return; }
        state.centre = answer.centre;
        merge(answer, null);
        state.expanded.add(answer.centre);
        layout(true);
        describeLoad(answer);
        renderList();
        select({type: "node", id: answer.centre});
      })
      .catch(function (error) {
        if (ticket === state.loads) { say(error.message, true); }
      });
  }

  function describeLoad(answer) {
    var parts = [];
    if (state.ties.size === 0) {
      parts.push(S.empty);
    } else {
      parts.push(fmt(S.shown, {people: state.parties.size, ties: state.ties.size}));
    }
    if (answer.capped) {
      parts.push(fmt(S.capped, {shown: answer.parties.length, total: answer.total_parties}));
    }
    say(parts.join(" "));
  }

  function expand(id) {
    if (id === null || id === undefined) { return; }
    expandButton.disabled = true;
    say(S.loading);
    getJSON(config.api.ego + "?" + query({party: id, hops: 1}))
      .then(function (answer) {
        var added = merge(answer, id);
        state.expanded.add(id);
        layout(false);
        renderList();
        var text = fmt(S.expanded, added) + " " + fmt(S.shown, {
          people: state.parties.size, ties: state.ties.size});
        if (answer.capped) {
          text += " " + fmt(S.capped, {shown: answer.parties.length, total: answer.total_parties});
        }
        say(text);
        if (state.selected && state.selected.type === "node") {
          showDetails(state.parties.get(state.selected.id));
          expandButton.disabled = state.expanded.has(state.selected.id);
        }
      })
      .catch(function (error) {
        say(error.message, true);
        expandButton.disabled = false;
      });
  }

  // --- selection, details and timeline ---------------------------------------------------

  function kindLabel(party) {
    var key = party.is_prisoner ? "prisoner" : party.kind;
    return config.kinds[key] || key || "";
  }

  function showDetails(party) {
    var details = $("network-details");
    $("network-nothing").hidden = Boolean(party) || Boolean(state.selected);
    details.hidden = !party;
    if (!party) { return; }
    var field = function (name) { return details.querySelector("[data-field='" + name + "']"); };
    field("name").replaceChildren(bdi(party.name || "—"));
    field("ref").replaceChildren(bdi(party.ref || "—"));
    field("kind").textContent = kindLabel(party);
    field("facility").replaceChildren(bdi(party.facility || "—"));
    field("events").textContent = String(nodeEvents().get(party.party) || 0);
    field("centre").href = config.page + "?" + query({party: party.party, hops: state.filters.hops});
    field("centre-term").hidden = field("centre-place").hidden = party.party === state.centre;
  }

  function select(what) {
    state.selected = what;
    cy.elements(":selected").unselect();
    if (what.type === "node") {
      var party = state.parties.get(what.id);
      if (!party) { return; }
      cy.getElementById(String(what.id)).select();
      showDetails(party);
      expandButton.disabled = state.expanded.has(what.id);
      startTimeline(what.id, null, fmt(S.eventsOf, {name: label(party)}));
    } else {
      var tie = state.ties.get(what.key);
      if (!tie) { return; }
      cy.getElementById("t" + what.key).select();
      showDetails(null);
      expandButton.disabled = true;
      startTimeline(tie.a, tie.b, fmt(S.eventsBetween, {
        one: label(state.parties.get(tie.a) || {party: tie.a}),
        other: label(state.parties.get(tie.b) || {party: tie.b})}));
    }
    highlightList();
  }

  function clearTimeline() {
    state.timeline = null;
    state.timelines += 1;
    var table = document.querySelector("table.network-timeline");
    table.hidden = true;
    table.tBodies[0].replaceChildren();
    $("network-timeline-title").textContent = timelineTitle;
    $("network-timeline-count").textContent = "";
    $("network-more").hidden = true;
  }

  function startTimeline(party, other, title) {
    clearTimeline();
    $("network-timeline-title").textContent = title;
    state.timeline = {party: party, other: other, page: 1, shown: 0};
    loadTimeline();
  }

  function duration(seconds) {
    var minutes = Math.floor(seconds / 60);
    return fmt(S.seconds, {minutes: minutes.toLocaleString(lang), seconds: seconds % 60});
  }

  function when(iso) {
    var moment = new Date(iso);
    var shown = isNaN(moment) ? iso : moment.toLocaleString(lang, {
      dateStyle: "short", timeStyle: "short"});
    return element("time", {datetime: iso}, shown);
  }

  function loadTimeline() {
    var line = state.timeline;
    if (!line) { return; }
    var ticket = ++state.timelines;
    var more = $("network-more");
    more.disabled = true;
    getJSON(config.api.timeline + "?" + query({party: line.party, other: line.other,
                                               page: line.page}))
      .then(function (answer) {
        if (ticket !== state.timelines) { return; }
        var table = document.querySelector("table.network-timeline");
        var body = table.tBodies[0];
        answer.events.forEach(function (event) {
          var other = answer.parties[String(event.other)] || state.parties.get(event.other) ||
            {party: event.other};
          var row = element("tr", {"data-event": event.id});
          var cell = element("td");
          cell.appendChild(when(event.occurred_at));
          row.appendChild(cell);
          row.appendChild(element("td", {}, config.events[event.kind] || event.kind));
          row.appendChild(element("td", {}, event.direction === "out" ? S.out : S.in));
          cell = element("td");
          cell.appendChild(bdi(label(other)));
          if (event.monitored) {
            cell.appendChild(document.createTextNode(" "));
            cell.appendChild(element("span", {"class": "tag"}, S.monitored));
          }
          row.appendChild(cell);
          var measure = "";
          if (event.duration_seconds) {
            measure = duration(event.duration_seconds);
          } else if (event.amount !== null && event.amount !== undefined) {
            measure = Number(event.amount).toLocaleString(lang, {minimumFractionDigits: 2});
          }
          cell = element("td", {"class": "num"});
          cell.appendChild(bdi(measure || "—"));
          row.appendChild(cell);
          body.appendChild(row);
        });
        line.shown += answer.events.length;
        table.hidden = line.shown === 0;
        $("network-timeline-count").textContent = line.shown === 0 ? S.noEvents
          : fmt(S.eventsCount, {count: line.shown});
        more.hidden = !answer.has_next;
        more.disabled = false;
      })
      .catch(function (error) {
        if (ticket === state.timelines) {
          $("network-timeline-count").textContent = error.message;
          more.disabled = false;
        }
      });
  }

  // --- the text alternative -------------------------------------------------------------

  function ordered() {
    var totals = nodeEvents();
    return Array.from(state.parties.values()).sort(function (one, other) {
      return (one.party === state.centre ? -1 : 0) - (other.party === state.centre ? -1 : 0) ||
        one.hop - other.hop || (totals.get(other.party) || 0) - (totals.get(one.party) || 0) ||
        label(one).localeCompare(label(other), lang);
    });
  }

  function pickButton(text, onClick, attributes) {
    var button = element("button", Object.assign({type: "button", "class": "link-button"},
                                                 attributes || {}));
    button.appendChild(bdi(text));
    button.addEventListener("click", onClick);
    return button;
  }

  function renderList() {
    var totals = nodeEvents();
    var people = $("network-people");
    people.replaceChildren();
    ordered().forEach(function (party) {
      var row = element("tr", {"data-party": party.party});
      var cell = element("th", {scope: "row"});
      cell.appendChild(pickButton(label(party), function () {
        select({type: "node", id: party.party});
      }, {"aria-pressed": "false"}));
      row.appendChild(cell);
      cell = element("td");
      cell.appendChild(bdi(party.ref || "—"));
      row.appendChild(cell);
      row.appendChild(element("td", {}, kindLabel(party)));
      cell = element("td");
      cell.appendChild(bdi(party.facility || "—"));
      row.appendChild(cell);
      row.appendChild(element("td", {"class": "num"}, party.hop));
      row.appendChild(element("td", {"class": "num"}, totals.get(party.party) || 0));
      people.appendChild(row);
    });
    var ties = $("network-ties");
    ties.replaceChildren();
    Array.from(state.ties.entries()).sort(function (one, other) {
      return other[1].events - one[1].events;
    }).forEach(function (entry) {
      var key = entry[0], tie = entry[1];
      var row = element("tr", {"data-tie": key});
      [tie.a, tie.b].forEach(function (id) {
        var cell = element("td");
        cell.appendChild(bdi(label(state.parties.get(id) || {party: id})));
        row.appendChild(cell);
      });
      var cell = element("td");
      cell.appendChild(when(tie.first_seen));
      row.appendChild(cell);
      cell = element("td");
      cell.appendChild(when(tie.last_seen));
      row.appendChild(cell);
      cell = element("td", {"class": "num"});
      cell.appendChild(document.createTextNode(tie.events + " "));
      cell.appendChild(pickButton(S.showEvents, function () {
        select({type: "tie", key: key});
      }, {"aria-pressed": "false"}));
      row.appendChild(cell);
      ties.appendChild(row);
    });
    highlightList();
  }

  function highlightList() {
    var chosen = state.selected;
    document.querySelectorAll("#network-people tr").forEach(function (row) {
      var on = Boolean(chosen && chosen.type === "node" &&
                       row.getAttribute("data-party") === String(chosen.id));
      row.classList.toggle("chosen", on);
      row.querySelector("button").setAttribute("aria-pressed", on ? "true" : "false");
    });
    document.querySelectorAll("#network-ties tr").forEach(function (row) {
      var on = Boolean(chosen && chosen.type === "tie" &&
                       row.getAttribute("data-tie") === chosen.key);
      row.classList.toggle("chosen", on);
      row.querySelector("button").setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  // --- filters, export, image and brokers -----------------------------------------------

  /* The hidden fields of the export and search forms follow the filters shown. */
  function syncForms() {
    [$("network-export"), $("network-search")].forEach(function (form) {
      form.querySelectorAll("input[type=hidden]").forEach(function (input) { input.remove(); });
      var add = function (name, value) {
        form.insertBefore(element("input", {type: "hidden", name: name, value: value}),
                          form.firstChild);
      };
      state.filters.facility.forEach(function (pk) { add("facility", pk); });
      add("to", state.filters.to);
      add("from", state.filters.from);
      add("hops", state.filters.hops);
      if (form.id === "network-export") { add("party", state.centre); }
    });
  }

  $("network-filters").addEventListener("submit", function (event) {
    var form = event.target;
    if (!state.centre || String(form.elements.party.value) !== String(state.centre)) {
      return; // another centre: let the page load
    }
    event.preventDefault();
    state.filters.from = form.elements.from.value;
    state.filters.to = form.elements.to.value;
    state.filters.hops = form.elements.hops.value;
    state.filters.facility = Array.from(form.querySelectorAll("input[name=facility]:checked"))
      .map(function (box) { return box.value; });
    history.replaceState(null, "", config.page + "?" + query({party: state.centre,
                                                              hops: state.filters.hops}));
    syncForms();
    $("network-brokers").replaceChildren();
    load();
  });

  expandButton.addEventListener("click", function () {
    if (state.selected && state.selected.type === "node") {
      expand(state.selected.id);
    }
  });

  $("network-more").addEventListener("click", function () {
    if (state.timeline) {
      state.timeline.page += 1;
      loadTimeline();
    }
  });

  $("network-fit").addEventListener("click", function () { cy.fit(undefined, 30); });

  $("network-png").addEventListener("click", function () {
    var blob = cy.png({full: true, scale: 2, output: "blob", bg: "#ffffff"});
    var link = $("network-png-link");
    if (link.href && link.href.indexOf("blob:") === 0) {
      URL.revokeObjectURL(link.href);
    }
    link.href = URL.createObjectURL(blob);
    link.hidden = false;
    say(S.pngReady);
    link.click();
  });

  $("network-brokers-load").addEventListener("click", function () {
    var list = $("network-brokers");
    list.replaceChildren(element("li", {"class": "note"}, S.computing));
    getJSON(config.api.figures + "?" + query({}))
      .then(function (answer) {
        var top = answer.parties.filter(function (p) { return p.betweenness > 0; })
          .sort(function (one, other) { return other.betweenness - one.betweenness; })
          .slice(0, 10);
        list.replaceChildren();
        if (!top.length) {
          list.appendChild(element("li", {"class": "note"}, S.noBrokers));
        }
        top.forEach(function (party) {
          var item = element("li");
          var link = element("a", {href: config.page + "?" + query({
            party: party.party, hops: state.filters.hops})});
          link.appendChild(bdi(label(party)));
          item.appendChild(link);
          item.appendChild(document.createTextNode(" "));
          item.appendChild(element("small", {}, kindLabel(party) + " · " + fmt(S.brokerage, {
            value: party.betweenness.toLocaleString(lang, {maximumFractionDigits: 3})})));
          list.appendChild(item);
        });
      })
      .catch(function (error) {
        list.replaceChildren(element("li", {"class": "error"}, error.message));
      });
  });

  cy.on("tap", "node", function (event) {
    select({type: "node", id: Number(event.target.id())});
  });
  cy.on("tap", "edge", function (event) {
    select({type: "tie", key: event.target.data("key")});
  });
  cy.on("dbltap", "node", function (event) {
    var id = Number(event.target.id());
    select({type: "node", id: id});
    if (!state.expanded.has(id)) { expand(id); }
  });

  if (rtl) {
    graphNode.setAttribute("dir", "rtl");
  }
  syncForms();
  load();
}());
