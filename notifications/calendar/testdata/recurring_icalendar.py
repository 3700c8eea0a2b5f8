"""Expand recurring series and read VTIMEZONEs with python-icalendar, as an
independent check of the Go builder.

Standard input: a JSON list of requests. Each has "ics" (an iCalendar
object) and "rename" (a map of TZID to a new TZID, applied to the unfolded
text before parsing, so that python-icalendar cannot fall back to its own
zone data and must use the VTIMEZONE that the object carries), and either

  "mode": "expand", "from", "to" (ISO dates): every occurrence of every event
  between the two dates, expanded with recurring_ical_events; or

  "mode": "offsets", "tzid", "instants" (Unix seconds): the UTC offset, in
  seconds, that the VTIMEZONE with that TZID (after renaming) gives at each
  instant, through icalendar's Timezone.to_tz().

Standard output: a JSON list with, for each request, {"occurrences": [...]}
or {"offsets": [...]}, or {"error": "..."}. The Go test compares the values.
"""

import datetime
import json
import sys
import traceback

import icalendar


def load(request):
    text = request["ics"].replace("\r\n ", "")
    for old, new in (request.get("rename") or {}).items():
        for prefix in ("TZID=", "TZID:", "X-LIC-LOCATION:"):
            text = text.replace(prefix + old + ":", prefix + new + ":")
            text = text.replace(prefix + old + ";", prefix + new + ";")
            text = text.replace(prefix + old + "\r\n", prefix + new + "\r\n")
    return icalendar.Calendar.from_ical(text)


def expand(request):
    import recurring_ical_events

    cal = load(request)
    start = datetime.date.fromisoformat(request["from"])
    stop = datetime.date.fromisoformat(request["to"])
    out = []
    for event in recurring_ical_events.of(cal).between(start, stop):
        dtstart = event["DTSTART"].dt
        dtend = event["DTEND"].dt if "DTEND" in event else None
        out.append({
            "uid": str(event["UID"]),
            "summary": str(event.get("SUMMARY", "")),
            "start": dtstart.isoformat(),
            "end": dtend.isoformat() if dtend is not None else "",
            "tz": str(dtstart.tzinfo.zone) if hasattr(dtstart.tzinfo, "zone") else str(dtstart.tzinfo),
        })
    out.sort(key=lambda o: (o["start"], o["uid"]))
    return {"occurrences": out}


def offsets(request):
    cal = load(request)
    zones = [z for z in cal.walk("VTIMEZONE") if str(z["TZID"]) == request["tzid"]]
    if len(zones) != 1:
        return {"error": "%d VTIMEZONEs with TZID %s" % (len(zones), request["tzid"])}
    tz = zones[0].to_tz()
    out = []
    for instant in request["instants"]:
        local = datetime.datetime.fromtimestamp(instant, tz)
        out.append(int(local.utcoffset().total_seconds()))
    return {"offsets": out}


def main():
    requests = json.load(sys.stdin)
    results = []
    for request in requests:
        try:
            if request["mode"] == "expand":
                results.append(expand(request))
            else:
                results.append(offsets(request))
        except Exception:  # report, do not crash: the Go test shows it
            results.append({"error": traceback.format_exc()})
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
