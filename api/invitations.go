package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// MaxInvitationBodyBytes is the body limit of the invitation route, which
// takes up to 1,000 recipients at a time.
const MaxInvitationBodyBytes = 1 << 20

type invitationRecipientRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type createInvitationsRequest struct {
	Recipients []invitationRecipientRequest `json:"recipients"`
	Message    string                       `json:"message"`
}

func (r createInvitationsRequest) request() domain.InvitationRequest {
	out := domain.InvitationRequest{Message: r.Message, Recipients: make([]domain.InvitationRecipient, len(r.Recipients))}
	for i, rc := range r.Recipients {
		out.Recipients[i] = domain.InvitationRecipient{Email: rc.Email, Name: rc.Name}
	}
	return out
}

// invitationJSON is the organiser's view of an invitation.
type invitationJSON struct {
	ID          string                  `json:"id"`
	Email       string                  `json:"email"`
	Name        string                  `json:"name"`
	Status      domain.InvitationStatus `json:"status"`
	RSVPID      *string                 `json:"rsvp_id"`
	Attempts    int                     `json:"attempts"`
	LastError   string                  `json:"last_error"`
	CreatedAt   time.Time               `json:"created_at"`
	SentAt      *time.Time              `json:"sent_at"`
	RespondedAt *time.Time              `json:"responded_at"`
}

func invitationView(i domain.Invitation) invitationJSON {
	out := invitationJSON{ID: i.ID, Email: i.Email, Name: i.Name, Status: i.Status, Attempts: i.Attempts,
		LastError: i.LastError, CreatedAt: i.CreatedAt, SentAt: i.SentAt, RespondedAt: i.RespondedAt}
	if i.RSVPID != "" {
		id := i.RSVPID
		out.RSVPID = &id
	}
	return out
}

type invitationBatchJSON struct {
	Invited        int              `json:"invited"`
	AlreadyInvited int              `json:"already_invited"`
	Items          []invitationJSON `json:"items"`
}

func (s *Server) createInvitations(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	var req createInvitationsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	b, err := s.store.CreateInvitations(c.Request().Context(), me(c).ID, id, req.request())
	if err != nil {
		return err
	}
	out := invitationBatchJSON{Invited: b.Invited, AlreadyInvited: b.AlreadyInvited, Items: make([]invitationJSON, len(b.Invitations))}
	for i, inv := range b.Invitations {
		out.Items[i] = invitationView(inv)
	}
	status := http.StatusOK
	if b.Invited > 0 {
		status = http.StatusCreated
	}
	return c.JSON(status, out)
}

func (s *Server) listInvitations(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	f := domain.InvitationFilter{ListOptions: opts, Status: domain.InvitationStatus(c.QueryParam("status"))}
	if f.Status != "" && !f.Status.Valid() {
		return fieldError("status", "must be queued, sent, bounced, accepted or declined")
	}
	p, err := s.store.ListInvitations(c.Request().Context(), me(c).ID, id, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, invitationView))
}

// invitationTokenParam returns an invitation token from the path.
func invitationTokenParam(c echo.Context) (string, error) {
	return linkToken(c, "invitation_not_found", "invitation")
}

// confirmTokenParam returns a confirmation token from the path.
func confirmTokenParam(c echo.Context) (string, error) {
	return linkToken(c, "confirmation_not_found", "confirmation link")
}

// publicInvitationJSON is what the holder of an invitation link sees.
type publicInvitationJSON struct {
	Name    string                  `json:"name"`
	Status  domain.InvitationStatus `json:"status"`
	Message string                  `json:"message"`
	Event   publicEventJSON         `json:"event"`
	// RSVP is the reply made by accepting, while it stands.
	RSVP *invitationRSVPJSON `json:"rsvp"`
}

type invitationRSVPJSON struct {
	Status           domain.RSVPStatus `json:"status"`
	WaitlistPosition *int              `json:"waitlist_position"`
}

func (s *Server) publicInvitationView(v domain.InvitationView) publicInvitationJSON {
	out := publicInvitationJSON{Name: v.Invitation.Name, Status: v.Invitation.Status, Message: v.Invitation.Message,
		Event: s.publicEventView(v.Event, v.Group)}
	if v.RSVP != nil && v.RSVP.Status != domain.RSVPCancelled {
		out.RSVP = &invitationRSVPJSON{Status: v.RSVP.Status, WaitlistPosition: position(*v.RSVP)}
	}
	return out
}

func (s *Server) getInvitation(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindInvitationByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.publicInvitationView(v))
}

type acceptInvitationRequest struct {
	Name string `json:"name"`
	// Locale is the language of the person's e-mails (optional).
	Locale string `json:"locale"`
}

func (s *Server) acceptInvitation(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	var req acceptInvitationRequest
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	ans, err := s.store.AcceptInvitation(c.Request().Context(), t, req.Name, req.Locale)
	s.cfg.Metrics.CountRSVP(ans.Result, err)
	if err != nil {
		return err
	}
	return c.JSON(statusCreated(ans.Result.Created), s.rsvpCreated(ans.Result))
}

func (s *Server) declineInvitation(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.DeclineInvitation(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.publicInvitationView(v))
}

func (s *Server) confirmRSVP(c echo.Context) error {
	t, err := confirmTokenParam(c)
	if err != nil {
		return err
	}
	res, err := s.store.ConfirmRSVP(c.Request().Context(), t)
	s.cfg.Metrics.CountRSVP(res, err)
	if err != nil {
		return err
	}
	return c.JSON(statusCreated(res.Created), s.rsvpCreated(res))
}

func statusCreated(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// rsvpCreated is the answer to a reply that proved the address (a
// confirmation or invitation link): always with a manage token.
func (s *Server) rsvpCreated(res domain.RSVPResult) rsvpCreatedJSON {
	return rsvpCreatedJSON{ID: res.RSVP.ID, Status: res.RSVP.Status, WaitlistPosition: position(res.RSVP),
		ManageToken: res.ManageToken, ManageURL: s.cfg.BaseURL + "/r/" + url.PathEscape(res.ManageToken)}
}
