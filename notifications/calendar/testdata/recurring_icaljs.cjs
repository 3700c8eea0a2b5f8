// Expand recurring series and read VTIMEZONEs with ical.js (the parser
// Thunderbird uses), as an independent check of the Go builder. The protocol
// is that of recurring_icalendar.py: standard input is a JSON list of
// requests ({"mode": "expand", "ics", "rename", "from", "to"} or
// {"mode": "offsets", "ics", "rename", "tzid", "locals"}, the local times
// for which the VTIMEZONE's UTC offset is wanted), standard output
// a JSON list of {"occurrences": [...]}, {"offsets": [...]} or {"error"}.
// ical.js has no zone data of its own: every TZID is read from the object's
// VTIMEZONE. Run with NODE_PATH pointing at a node_modules folder that holds
// ical.js.
"use strict";

const ICAL = require("ical.js");

function load(req) {
  let text = req.ics.replace(/\r\n /g, "");
  for (const [from, to] of Object.entries(req.rename || {})) {
    for (const prefix of ["TZID=", "TZID:", "X-LIC-LOCATION:"]) {
      for (const end of [":", ";", "\r\n"]) {
        text = text.split(prefix + from + end).join(prefix + to + end);
      }
    }
  }
  ICAL.TimezoneService.reset();
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const vtz of cal.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  return cal;
}

const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");

// iso formats a time like Python's isoformat(): 2026-10-27T17:00:00+01:00.
function iso(t) {
  const off = t.utcOffset();
  const sign = off < 0 ? "-" : "+";
  return (
    `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}` +
    `${sign}${pad(Math.floor(Math.abs(off) / 3600))}:${pad(Math.floor((Math.abs(off) % 3600) / 60))}`
  );
}

function expand(req) {
  const cal = load(req);
  const start = ICAL.Time.fromDateString(req.from);
  const stop = ICAL.Time.fromDateString(req.to);
  const masters = new Map();
  const overrides = [];
  for (const comp of cal.getAllSubcomponents("vevent")) {
    if (comp.hasProperty("recurrence-id")) {
      overrides.push(comp);
    } else {
      masters.set(comp.getFirstPropertyValue("uid"), new ICAL.Event(comp));
    }
  }
  for (const comp of overrides) {
    const master = masters.get(comp.getFirstPropertyValue("uid"));
    if (!master) throw new Error("override without series: " + comp.getFirstPropertyValue("uid"));
    master.relateException(comp);
  }
  const out = [];
  const push = (item, s, e) => {
    if (s.compare(start) >= 0 && s.compare(stop) < 0) {
      out.push({ uid: item.uid, summary: item.summary || "", start: iso(s), end: e ? iso(e) : "" });
    }
  };
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      push(event, event.startDate, event.endDate);
      continue;
    }
    const it = event.iterator();
    for (let next = it.next(); next && next.compare(stop) < 0; next = it.next()) {
      const d = event.getOccurrenceDetails(next);
      push(d.item, d.startDate, d.endDate);
    }
  }
  return { occurrences: out };
}

function offsets(req) {
  const cal = load(req);
  const zones = cal.getAllSubcomponents("vtimezone").filter((z) => z.getFirstPropertyValue("tzid") === req.tzid);
  if (zones.length !== 1) return { error: `${zones.length} VTIMEZONEs with TZID ${req.tzid}` };
  // ical.js converts a UTC time to local time by asking for the offset of
  // the UTC wall time as if it were local, which is wrong within a few hours
  // of a change; so the zone is asked for the offset of the local times.
  const tz = new ICAL.Timezone(zones[0]);
  return { offsets: req.locals.map((s) => tz.utcOffset(ICAL.Time.fromDateTimeString(s))) };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map((req) => {
    try {
      return req.mode === "expand" ? expand(req) : offsets(req);
    } catch (e) {
      return { error: String(e && e.stack ? e.stack : e) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
