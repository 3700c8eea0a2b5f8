"""Read iCalendar objects with python-icalendar, as an independent parser.

Standard input: a JSON list of iCalendar objects (strings). Standard output:
a JSON list with, for each object, what python-icalendar read from it, in
the shape of the Go test's `parsed` type, or {"error": "..."}. The Go test
compares the values; this script only reads them.
"""

import json
import sys

import icalendar


def text(component, name):
    value = component.get(name)
    return "" if value is None else str(value)


def utc(component, name):
    value = component.get(name)
    if value is None:
        return ""
    dt = value.dt
    offset = dt.utcoffset() if hasattr(dt, "utcoffset") else None
    if offset is None or offset.total_seconds() != 0:
        return "not UTC: " + repr(dt)
    return dt.strftime("%Y%m%dT%H%M%SZ")


def person(address):
    params = address.params
    return {
        "cn": str(params.get("CN", "")),
        "value": str(address),
        "role": str(params.get("ROLE", "")),
        "partstat": str(params.get("PARTSTAT", "")),
        "rsvp": str(params.get("RSVP", "")),
    }


def supports_rfc6868():
    probe = 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN="^\'":mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'
    event = icalendar.Calendar.from_ical(probe).walk("VEVENT")[0]
    return str(event["ATTENDEE"].params["CN"]) == '"'


def sequential_unescape():
    probe = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:a\\\\nb\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    event = icalendar.Calendar.from_ical(probe).walk("VEVENT")[0]
    return str(event["SUMMARY"]) != "a\\nb"


def raw_calendar_name():
    probe = "BEGIN:VCALENDAR\r\nNAME:a\\, b\r\nEND:VCALENDAR\r\n"
    return str(icalendar.Calendar.from_ical(probe)["NAME"]) != "a, b"


def parse(data, quirks):
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # report, do not crash: the Go test shows it
        return {"error": "from_ical: " + repr(e)}
    errors = []
    for component in cal.walk():
        for prop, message in getattr(component, "errors", []):
            errors.append("%s %s: %s" % (component.name, prop, message))
    if errors:
        return {"error": "; ".join(errors)}
    out = dict(quirks)
    out.update({
        "method": text(cal, "METHOD"),
        "name": text(cal, "NAME"),
        "x_wr_calname": text(cal, "X-WR-CALNAME"),
        "events": [],
    })
    for event in cal.walk("VEVENT"):
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        organizer = event.get("ORGANIZER")
        sequence = event.get("SEQUENCE")
        out["events"].append({
            "uid": text(event, "UID"),
            "sequence": int(sequence) if sequence is not None else 0,
            "dtstamp": utc(event, "DTSTAMP"),
            "dtstart": utc(event, "DTSTART"),
            "dtend": utc(event, "DTEND"),
            "summary": text(event, "SUMMARY"),
            "description": text(event, "DESCRIPTION"),
            "location": text(event, "LOCATION"),
            "url": text(event, "URL"),
            "status": text(event, "STATUS"),
            "organizer": person(organizer) if organizer is not None else None,
            "attendees": [person(a) for a in attendees] or None,
        })
    return out


def main():
    quirks = {
        "rfc6868": supports_rfc6868(),
        "sequential_unescape": sequential_unescape(),
        "raw_calendar_name": raw_calendar_name(),
    }
    objects = json.load(sys.stdin)
    json.dump([parse(o, quirks) for o in objects], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
