package present

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/convene/convene/domain"
)

// Schedule says in words when a series meets: "Every 3 months on
// the third Tuesday, 17:00–18:30 (Europe/Berlin, CET)". Rules it cannot
// put in words are shown as they are.
func Schedule(x domain.Series, loc *time.Location) string {
	start := x.StartsAt.In(loc)
	times := start.Format("15:04") + "–" + start.Add(x.Duration).Format("15:04") + " " + ZoneLabel(loc, x.StartsAt)
	parts := map[string]string{}
	for _, p := range strings.Split(x.RRule, ";") {
		if k, v, ok := strings.Cut(p, "="); ok {
			parts[k] = v
		}
	}
	n, _ := strconv.Atoi(parts["INTERVAL"])
	if n < 1 {
		n = 1
	}
	unit := map[string]string{"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[parts["FREQ"]]
	if unit == "" {
		return "Repeats (" + x.RRule + "), " + times
	}
	every := "Every " + unit
	if n > 1 {
		every = fmt.Sprintf("Every %d %ss", n, unit)
	}
	if d := parts["BYDAY"]; d != "" && !strings.Contains(d, ",") {
		days := map[string]string{"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
		nth := map[string]string{"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth", "-1": "last"}
		day := days[d[len(d)-2:]]
		if ord := d[:len(d)-2]; ord != "" && nth[strings.TrimPrefix(ord, "+")] != "" && day != "" {
			every += " on the " + nth[strings.TrimPrefix(ord, "+")] + " " + day
		} else if ord == "" && day != "" {
			every += " on " + day
		}
	}
	return every + ", " + times
}
