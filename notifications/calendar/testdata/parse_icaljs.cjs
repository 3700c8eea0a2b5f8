// Read iCalendar objects with ical.js (the parser Thunderbird uses), as an
// independent parser. Standard input: a JSON list of iCalendar objects.
// Standard output: a JSON list in the shape of the Go test's `parsed` type.
// Run with NODE_PATH pointing at a node_modules folder that holds ical.js.
"use strict";

const ICAL = require("ical.js");

function utc(event, name) {
  const prop = event.getFirstProperty(name);
  if (!prop) return "";
  const raw = prop.toICALString(); // "DTSTART:20260516T070000Z"
  const t = prop.getFirstValue();
  if (prop.getParameter("tzid") || !t.zone || t.zone.tzid !== "UTC") {
    return "not UTC: " + raw;
  }
  return raw.slice(raw.indexOf(":") + 1);
}

function text(component, name) {
  const v = component.getFirstPropertyValue(name);
  return v == null ? "" : String(v);
}

function person(prop) {
  const p = (n) => {
    const v = prop.getParameter(n);
    return v == null ? "" : String(v);
  };
  return { cn: p("cn"), value: String(prop.getFirstValue()), role: p("role"), partstat: p("partstat"), rsvp: p("rsvp") };
}

// Probes for the known quirks (see the Go test's quirks type).
function probe(lines) {
  return new ICAL.Component(ICAL.parse("BEGIN:VCALENDAR\r\n" + lines + "\r\nEND:VCALENDAR\r\n"));
}
const quirks = {
  rfc6868:
    probe("BEGIN:VEVENT\r\nATTENDEE;CN=\"^'\":mailto:a@b\r\nEND:VEVENT")
      .getFirstSubcomponent("vevent")
      .getFirstProperty("attendee")
      .getParameter("cn") === '"',
  sequential_unescape:
    probe("BEGIN:VEVENT\r\nSUMMARY:a\\\\nb\r\nEND:VEVENT")
      .getFirstSubcomponent("vevent")
      .getFirstPropertyValue("summary") !== "a\\nb",
  raw_calendar_name: probe("NAME:a\\, b").getFirstPropertyValue("name") !== "a, b",
};

function parse(data) {
  let cal;
  try {
    cal = new ICAL.Component(ICAL.parse(data));
  } catch (e) {
    return { error: "ICAL.parse: " + e };
  }
  const out = {
    ...quirks,
    method: text(cal, "method"),
    name: text(cal, "name"),
    x_wr_calname: text(cal, "x-wr-calname"),
    events: [],
  };
  for (const event of cal.getAllSubcomponents("vevent")) {
    const attendees = event.getAllProperties("attendee").map(person);
    const organizer = event.getFirstProperty("organizer");
    out.events.push({
      uid: text(event, "uid"),
      sequence: Number(event.getFirstPropertyValue("sequence") || 0),
      dtstamp: utc(event, "dtstamp"),
      dtstart: utc(event, "dtstart"),
      dtend: utc(event, "dtend"),
      summary: text(event, "summary"),
      description: text(event, "description"),
      location: text(event, "location"),
      url: text(event, "url"),
      status: text(event, "status"),
      organizer: organizer ? person(organizer) : null,
      attendees: attendees.length ? attendees : null,
    });
  }
  return out;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(parse)));
});
