package calendar_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/convene/convene/notifications/calendar"
)

// A feed with a monthly series at 17:00 Berlin time, one cancelled
// occurrence and one moved to the next day. The events are written in local
// time with TZID and the feed carries the zone's VTIMEZONE.
func ExampleCalendar_Encode_recurringSeries() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	local := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, berlin) }
	uid := calendar.UID("ser_42", "convene.example")
	stamp := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	cal := calendar.Calendar{
		Method: calendar.MethodPublish,
		Name:   "Repair café",
		Events: []calendar.Event{{
			UID: uid, Stamp: stamp, Summary: "Repair café",
			Start: local(9, 15, 17), End: local(9, 15, 20),
			Zone:    berlin,
			RRule:   "FREQ=MONTHLY;BYDAY=3TU",
			ExDates: []time.Time{local(12, 15, 17)}, // cancelled
		}, {
			UID: uid, Stamp: stamp, Sequence: 1, Summary: "Repair café (Wednesday)",
			RecurrenceID: local(11, 17, 17), // the occurrence it replaces
			Start:        local(11, 18, 17), End: local(11, 18, 20),
			Zone: berlin,
		}},
	}
	data, err := cal.Encode()
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(data), "\r\n") {
		for _, name := range []string{"BEGIN:V", "TZID:", "RRULE:", "DTSTART", "EXDATE", "RECURRENCE-ID"} {
			if strings.HasPrefix(line, name) {
				fmt.Println(line)
			}
		}
	}

	// An API checks a rule when it is entered.
	err = calendar.CheckRRule("FREQ=WEEKLY;UNTIL=20261231T170000")
	fmt.Println(errors.Is(err, calendar.ErrInvalid), err)
	// Output:
	// BEGIN:VCALENDAR
	// BEGIN:VTIMEZONE
	// TZID:Europe/Berlin
	// DTSTART:20251026T030000
	// RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
	// DTSTART:20260329T020000
	// RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
	// BEGIN:VEVENT
	// DTSTART;TZID=Europe/Berlin:20260915T170000
	// RRULE:FREQ=MONTHLY;BYDAY=3TU
	// EXDATE;TZID=Europe/Berlin:20261215T170000
	// BEGIN:VEVENT
	// RECURRENCE-ID;TZID=Europe/Berlin:20261117T170000
	// DTSTART;TZID=Europe/Berlin:20261118T170000
	// true ics: invalid calendar: RRULE: UNTIL must be a UTC date-time such as 20271231T230000Z
}
