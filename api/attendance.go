package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

type checkinRequest struct {
	RSVPID      string `json:"rsvp_id"`
	ManageToken string `json:"manage_token"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Email       string `json:"email"`
}

// doorEntryJSON is one person on the door list, as organisers see it.
type doorEntryJSON struct {
	ID          string                  `json:"id"`
	Name        string                  `json:"name"`
	Email       string                  `json:"email"`
	CheckinCode string                  `json:"checkin_code"`
	WalkIn      bool                    `json:"walk_in"`
	Status      domain.RSVPStatus       `json:"status"`
	AttendedAt  *time.Time              `json:"attended_at"`
	AttendedHow domain.AttendanceMethod `json:"attended_how,omitempty"`
}

func doorEntry(r domain.RSVP) doorEntryJSON {
	code := ""
	if r.CheckinCode != "" {
		code = domain.FormatCode(r.CheckinCode)
	}
	return doorEntryJSON{ID: r.ID, Name: r.Name, Email: r.Email, CheckinCode: code, WalkIn: r.WalkIn, Status: r.Status,
		AttendedAt: r.AttendedAt, AttendedHow: r.AttendedHow}
}

type checkinResultJSON struct {
	RSVP    doorEntryJSON `json:"rsvp"`
	Already bool          `json:"already"`
	WalkIn  bool          `json:"walk_in"`
}

func (s *Server) checkIn(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	var req checkinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	res, err := s.store.CheckIn(c.Request().Context(), me(c).ID, id, domain.CheckinRequest{RSVPID: req.RSVPID,
		ManageToken: req.ManageToken, Code: req.Code, Name: req.Name, Email: req.Email})
	var de *domain.Error
	if errors.As(err, &de) && de.Reason == domain.ReasonCodeNotFound {
		httpkit.WrongCode(c)
	}
	if err != nil {
		return err
	}
	return c.JSON(statusCreated(res.Created), checkinResultJSON{RSVP: doorEntry(res.RSVP), Already: res.Already, WalkIn: res.Created})
}

func (s *Server) undoCheckIn(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "rsvp_id", "rsvp")
	if err != nil {
		return err
	}
	r, err := s.store.UndoCheckIn(c.Request().Context(), me(c).ID, id, rid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doorEntry(r))
}

type doorListJSON struct {
	Expected int             `json:"expected"`
	In       int             `json:"in"`
	Items    []doorEntryJSON `json:"items"`
}

func (s *Server) listCheckins(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	l, err := s.store.DoorList(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	out := doorListJSON{Expected: l.Expected, In: l.In, Items: make([]doorEntryJSON, len(l.Items))}
	for i, r := range l.Items {
		out.Items[i] = doorEntry(r)
	}
	return c.JSON(http.StatusOK, out)
}

type doorLinkJSON struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) createDoorLink(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	l, raw, err := s.store.CreateDoorLink(c.Request().Context(), me(c).ID, id, "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, doorLinkJSON{ID: l.ID, URL: s.cfg.BaseURL + "/door/" + url.PathEscape(raw), Token: raw, ExpiresAt: l.ExpiresAt})
}

// doorLinkInfoJSON is a door link as listed: never its token.
type doorLinkInfoJSON struct {
	ID         string               `json:"id"`
	State      domain.DoorLinkState `json:"state"`
	CreatedBy  *organiserRefJSON    `json:"created_by"`
	CreatedAt  time.Time            `json:"created_at"`
	ExpiresAt  time.Time            `json:"expires_at"`
	RevokedAt  *time.Time           `json:"revoked_at"`
	LastUsedAt *time.Time           `json:"last_used_at"`
}

// organiserRefJSON names an organiser (never their address).
type organiserRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Server) doorLinkInfo(now time.Time) func(domain.DoorLink) doorLinkInfoJSON {
	return func(l domain.DoorLink) doorLinkInfoJSON {
		out := doorLinkInfoJSON{ID: l.ID, State: l.State(now), CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt,
			RevokedAt: l.RevokedAt, LastUsedAt: l.LastUsedAt}
		if l.CreatedBy != "" {
			out.CreatedBy = &organiserRefJSON{ID: l.CreatedBy, Name: l.CreatedByName}
		}
		return out
	}
}

// listDoorLinks lists an event's door-staff links for any member of its
// group, so that links can be found and revoked.
func (s *Server) listDoorLinks(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	p, err := s.store.ListDoorLinks(c.Request().Context(), me(c).ID, id, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, s.doorLinkInfo(s.now())))
}

type roomCodeJSON struct {
	Code     string    `json:"code"`
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`
}

func roomCode(e domain.Event) roomCodeJSON {
	from, to := e.CheckinWindow()
	return roomCodeJSON{Code: e.SelfCheckinCode, OpensAt: from, ClosesAt: to}
}

func (s *Server) getRoomCode(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	e, err := s.store.FindEvent(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roomCode(e))
}

func (s *Server) rotateRoomCode(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	e, err := s.store.RotateRoomCode(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roomCode(e))
}

type bulkAttendanceRequest struct {
	Emails []string `json:"emails"`
}

type bulkAttendanceJSON struct {
	Recorded int      `json:"recorded"`
	Already  int      `json:"already"`
	Unknown  []string `json:"unknown"`
}

// recordAttendance takes a list of addresses who came, as JSON
// {"emails": [...]} or as CSV (a column headed "email", or the first
// column when no header names one).
func (s *Server) recordAttendance(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	var emails []string
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt == "text/csv" {
		body, err := readBody(c)
		if err != nil {
			return err
		}
		if emails, err = csvEmails(body); err != nil {
			return err
		}
	} else {
		var req bulkAttendanceRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		emails = req.Emails
	}
	var v domain.Validation
	for i, e := range emails {
		domain.CheckEmail(&v, "emails["+itoa(i)+"]", strings.TrimSpace(e), true)
	}
	if err := v.Err(); err != nil {
		return err
	}
	res, err := s.store.RecordAttendance(c.Request().Context(), me(c).ID, id, emails)
	if err != nil {
		return err
	}
	if res.Unknown == nil {
		res.Unknown = []string{}
	}
	return c.JSON(http.StatusOK, bulkAttendanceJSON(res))
}

// csvEmails reads the addresses of a CSV sign-in sheet.
func csvEmails(body []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	col, first := 0, true
	var out []string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, malformed("The CSV could not be read: %s", err.Error())
		}
		if first {
			first = false
			found := false
			for i, h := range rec {
				if n := strings.ToLower(strings.TrimSpace(h)); n == "email" || n == "e-mail" || n == "email address" {
					col, found = i, true
					break
				}
			}
			if found {
				continue
			}
		}
		if col < len(rec) && strings.TrimSpace(rec[col]) != "" {
			out = append(out, strings.TrimSpace(rec[col]))
		}
	}
	return out, nil
}

type selfCheckinRequest struct {
	Code string `json:"code"`
}

// selfCheckIn is the attendee's own check-in with the room's code.
func (s *Server) selfCheckIn(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	var req selfCheckinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	res, err := s.store.SelfCheckIn(c.Request().Context(), t, req.Code)
	if domain.ErrorCode(err) == domain.EINVALID {
		httpkit.WrongCode(c)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, checkinResultJSON{RSVP: doorEntry(res.RSVP), Already: res.Already})
}

// eraseAttendee erases an attendee's name and address at their request
// made to the organisers (see the store's EraseRSVP). It answers 204;
// erasing twice is harmless.
func (s *Server) eraseAttendee(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "rsvp_id", "rsvp")
	if err != nil {
		return err
	}
	if _, err := s.store.EraseRSVP(c.Request().Context(), me(c).ID, id, rid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// revokeDoorLink stops a door-staff link.
func (s *Server) revokeDoorLink(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	lid, err := idParam(c, "link_id", "door link")
	if err != nil {
		return err
	}
	if err := s.store.RevokeDoorLink(c.Request().Context(), me(c).ID, id, lid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
