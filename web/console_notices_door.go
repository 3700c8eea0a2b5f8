package web

// The notices and field names of the door, series and evidence pages,
// added to consoleDone and consoleLabels (names other forms use already
// keep their label), as catalogue ids.
func init() {
	for _, k := range []string{"checked-in", "already-in", "checkin-undone", "walk-in", "door-link-revoked",
		"series-created", "series-saved", "date-cancelled", "date-moved"} {
		consoleDone[k] = "console.notice." + k
	}
	for _, k := range []string{"label", "rrule", "duration", "ahead"} {
		if _, ok := consoleLabels[k]; !ok {
			consoleLabels[k] = "console.label." + k
		}
	}
}
