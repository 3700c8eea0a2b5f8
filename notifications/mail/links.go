package mail

import (
	"net/url"
	"strings"
)

// ManageURL returns the attendee's manage link, BASE/r/<token>, or "" when
// the raw token is not known (it is shown once and stored only as a hash):
// the email then tells the attendee to use the link from their first email.
func ManageURL(baseURL, manageToken string) string {
	if manageToken == "" {
		return ""
	}
	return strings.TrimRight(baseURL, "/") + "/r/" + url.PathEscape(manageToken)
}
