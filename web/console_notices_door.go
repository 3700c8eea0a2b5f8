package web

// The notices and field names of the door, series and evidence pages,
// added to consoleDone and consoleLabels (names other forms use already
// keep their label).
func init() {
	for k, v := range map[string]string{
		"checked-in":        "Checked in.",
		"already-in":        "That person was already checked in.",
		"checkin-undone":    "The check-in is undone.",
		"walk-in":           "The walk-in is registered and checked in.",
		"door-link-revoked": "The door link is revoked: it no longer opens the door list.",
		"series-created":    "The series is created and its next dates are published.",
		"series-saved":      "The series is saved; its upcoming dates follow the change.",
		"date-cancelled":    "The date is cancelled; the people who had replied are told. The other dates stay.",
		"date-moved":        "The date is moved; the people going get the updated invite.",
	} {
		consoleDone[k] = v
	}
	for k, v := range map[string]string{
		"label": "The label", "q": "The search", "title": "The title", "kind": "The kind", "rrule": "The rule",
		"starts_at": "The first date", "duration": "The length", "venue": "The venue", "venue.name": "The venue's name",
		"venue.address": "The venue's address", "online_url": "The join link", "capacity": "The capacity",
		"ahead": "The number of dates ahead", "reason": "The reason",
	} {
		if _, ok := consoleLabels[k]; !ok {
			consoleLabels[k] = v
		}
	}
}
