package httpkit

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// Contribution records leave the service the same way from the JSON API
// and from the organiser console: one JSON shape and one CSV, written
// here.

// ContributionRecord is one record with what verifying it takes: the exact
// bytes that were signed, the signature and the key's id. Withdrawn
// records attest nothing any more: their signature and signed form are
// empty.
type ContributionRecord struct {
	ID               string                     `json:"id"`
	PersonName       string                     `json:"person_name"`
	Role             domain.PersonRole          `json:"role"`
	ActivityType     domain.ActivityType        `json:"activity_type"`
	TalkTitle        string                     `json:"talk_title"`
	EventTitle       string                     `json:"event_title"`
	EventDate        string                     `json:"event_date"`
	EventURL         string                     `json:"event_url"`
	GroupName        string                     `json:"group_name"`
	Registered       int                        `json:"registered"`
	AttendedInPerson int                        `json:"attended_in_person"`
	AttendedOnline   int                        `json:"attended_online"`
	AttendedHow      domain.AttendanceMethod    `json:"attended_how"`
	Revision         int                        `json:"revision"`
	Previous         *domain.ContributionCounts `json:"previous"`
	VerifiedAt       time.Time                  `json:"verified_at"`
	Withdrawn        bool                       `json:"withdrawn"`
	Signature        string                     `json:"signature"`
	Signed           string                     `json:"signed"`
	KeyID            string                     `json:"key_id"`
	VerifyURL        string                     `json:"verify_url"`
}

// ContributionView returns the function that turns records into
// ContributionRecords, signed by the key keyID, verifiable at baseURL.
func ContributionView(baseURL, keyID string) func(domain.Contribution) ContributionRecord {
	return func(c domain.Contribution) ContributionRecord {
		out := ContributionRecord{ID: c.ID, PersonName: c.PersonName, Role: c.Role, ActivityType: c.ActivityType,
			TalkTitle: c.TalkTitle, EventTitle: c.EventTitle, EventDate: c.EventDate, EventURL: c.EventURL, GroupName: c.GroupName,
			Registered: c.Counts.Registered, AttendedInPerson: c.Counts.AttendedInPerson, AttendedOnline: c.Counts.AttendedOnline,
			AttendedHow: c.AttendedHow, Revision: c.Revision, Previous: c.Previous, VerifiedAt: c.VerifiedAt,
			Withdrawn: c.WithdrawnAt != nil, KeyID: keyID, VerifyURL: VerifyURL(baseURL, c.ID)}
		if !out.Withdrawn {
			out.Signature, out.Signed = c.Signature, string(c.SignedForm(keyID))
		}
		return out
	}
}

// VerifyURL is the public page of a record.
func VerifyURL(baseURL, id string) string { return baseURL + "/v/" + url.PathEscape(id) }

// ContributionList is an export as JSON: one page of records and the
// totals of every record the query selects.
type ContributionList struct {
	Items      []ContributionRecord      `json:"items"`
	Totals     domain.ContributionTotals `json:"totals"`
	NextCursor *string                   `json:"next_cursor"`
}

// ContributionPages fetches one page of an export.
type ContributionPages func(ctx context.Context, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error)

// MaxCSVRows bounds one CSV export (a page of 200 at a time).
const MaxCSVRows = 100_000

// ExportContributions answers with one page (opts) as JSON, or with every
// record (all pages) as CSV named filename: CSV when format is "csv", or
// when it is "" and the Accept header prefers text/csv. view makes each
// record's shape (ContributionView).
func ExportContributions(c echo.Context, format string, opts domain.ListOptions, filename string,
	view func(domain.Contribution) ContributionRecord, fetch ContributionPages) error {
	ctx := c.Request().Context()
	c.Response().Header().Add("Vary", "Accept")
	if format != "" && format != "csv" && format != "json" {
		return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: "format: must be json or csv",
			Fields: []domain.FieldError{{Field: "format", Message: "must be json or csv"}}}
	}
	if format == "json" || (format == "" && !PrefersCSV(c.Request().Header.Get("Accept"))) {
		p, totals, err := fetch(ctx, opts)
		if err != nil {
			return err
		}
		out := ContributionList{Items: make([]ContributionRecord, 0, len(p.Items)), Totals: totals}
		for _, it := range p.Items {
			out.Items = append(out.Items, view(it))
		}
		if p.NextCursor != "" {
			out.NextCursor = &p.NextCursor
		}
		return c.JSON(http.StatusOK, out)
	}
	var rows []ContributionRecord
	opts = domain.ListOptions{Limit: domain.MaxPageSize}
	for len(rows) < MaxCSVRows {
		p, _, err := fetch(ctx, opts)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			rows = append(rows, view(it))
		}
		if p.NextCursor == "" {
			break
		}
		opts.Cursor = p.NextCursor
	}
	body, err := ContributionsCSV(rows)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
}

// ContributionCSVHeader returns the CSV's header row.
func ContributionCSVHeader() []string { return append([]string(nil), contributionCSVHeader...) }

// contributionCSVHeader names the CSV columns: the record's fields as in
// JSON, previous as three columns, then what verifying takes.
var contributionCSVHeader = []string{"id", "person_name", "role", "activity_type", "talk_title", "event_title", "event_date",
	"event_url", "group_name", "registered", "attended_in_person", "attended_online", "attended_how", "revision",
	"previous_registered", "previous_attended_in_person", "previous_attended_online", "verified_at", "withdrawn",
	"key_id", "signature", "signed", "verify_url"}

// csvVerbatim are the columns a verifier needs exactly as they were
// signed or published: the record's id, the key id, the signature and the
// signed form. They are never altered. None of them can run in a
// spreadsheet: ids and key ids are letters and digits, a signature is
// standard base64 (letters, digits, "+", "/" and "="; it may start with
// "+", which a spreadsheet can at worst show as an error, never run) and
// the signed form always starts with "{".
var csvVerbatim = map[string]bool{"id": true, "key_id": true, "signature": true, "signed": true}

// ContributionsCSV writes records as CSV (RFC 4180 quoting), a header row
// first. Every cell but the csvVerbatim columns goes through CSVSafe, so
// that what people wrote (names, titles) cannot run as a formula while
// every record still verifies as exported.
func ContributionsCSV(rows []ContributionRecord) ([]byte, error) {
	var buf bytes.Buffer
	// Lines end in LF: csv.Writer with CRLF endings drops carriage returns
	// inside cells, which would change what they say.
	w := csv.NewWriter(&buf)
	write := func(cells []string) {
		for i, cell := range cells {
			if !csvVerbatim[contributionCSVHeader[i]] {
				cells[i] = CSVSafe(cell)
			}
		}
		w.Write(cells)
	}
	write(append([]string(nil), contributionCSVHeader...))
	for _, r := range rows {
		prev := []string{"", "", ""}
		if p := r.Previous; p != nil {
			prev = []string{strconv.Itoa(p.Registered), strconv.Itoa(p.AttendedInPerson), strconv.Itoa(p.AttendedOnline)}
		}
		write([]string{r.ID, r.PersonName, string(r.Role), string(r.ActivityType), r.TalkTitle, r.EventTitle, r.EventDate,
			r.EventURL, r.GroupName, strconv.Itoa(r.Registered), strconv.Itoa(r.AttendedInPerson), strconv.Itoa(r.AttendedOnline),
			string(r.AttendedHow), strconv.Itoa(r.Revision), prev[0], prev[1], prev[2], r.VerifiedAt.UTC().Format(time.RFC3339),
			strconv.FormatBool(r.Withdrawn), r.KeyID, r.Signature, r.Signed, r.VerifyURL})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// PrefersCSV reports whether an Accept header asks for text/csv over
// JSON: text/csv (or text/*) with a higher quality than application/json
// (or application/*). A bare */* gets JSON.
func PrefersCSV(accept string) bool {
	if accept == "" {
		return false
	}
	var qCSV, qJSON, qAny float64 = -1, -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "text/csv":
			qCSV = max(qCSV, q)
		case "text/*":
			if qCSV < 0 {
				qCSV = q
			}
		case "application/json":
			qJSON = max(qJSON, q)
		case "application/*":
			if qJSON < 0 {
				qJSON = q
			}
		case "*/*":
			qAny = q
		}
	}
	if qJSON < 0 {
		qJSON = qAny
	}
	return qCSV > 0 && qCSV > qJSON
}
