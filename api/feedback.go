package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// Feedback after an event: the attendee's page behind the link of the
// thank-you e-mail (/f/{token}, a manage token), its JSON twin under
// /api/v1/rsvps/{token}/feedback, and what organisers see in the event's
// statistics. Following the link only shows the form; the post saves.

// feedbackRequest is an attendee's answer. Rating is a pointer so that a
// missing rating is told apart from a wrong one.
type feedbackRequest struct {
	Rating  *int   `json:"rating"`
	Comment string `json:"comment"`
}

// feedbackJSON is the attendee's own feedback. Rating is null before the
// first answer; CanAnswer says whether the person may answer (they came).
type feedbackJSON struct {
	EventTitle string     `json:"event_title"`
	CanAnswer  bool       `json:"can_answer"`
	Rating     *int       `json:"rating"`
	Comment    string     `json:"comment"`
	CreatedAt  *time.Time `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

func feedbackView(fv domain.FeedbackView) feedbackJSON {
	out := feedbackJSON{EventTitle: fv.View.Event.Title, CanAnswer: domain.CheckFeedback(fv.View.RSVP) == nil}
	if f := fv.Feedback; f != nil {
		r, created, updated := f.Rating, f.CreatedAt, f.UpdatedAt
		out.Rating, out.Comment, out.CreatedAt, out.UpdatedAt = &r, f.Comment, &created, &updated
	}
	return out
}

// feedbackStatsJSON is what an event's organisers see of its feedback:
// never who said what.
type feedbackStatsJSON struct {
	Count         int                   `json:"count"`
	AverageRating *float64              `json:"average_rating"`
	Ratings       map[string]int        `json:"ratings"`
	Comments      []feedbackCommentJSON `json:"comments"`
}

type feedbackCommentJSON struct {
	Rating  int       `json:"rating"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

func feedbackStatsView(st domain.FeedbackStats) feedbackStatsJSON {
	out := feedbackStatsJSON{Count: st.Count, Ratings: map[string]int{}, Comments: []feedbackCommentJSON{}}
	if st.Count > 0 {
		avg := float64(int(st.Average*100+0.5)) / 100 // two decimals
		out.AverageRating = &avg
	}
	for i, n := range st.ByRating {
		out.Ratings[strconv.Itoa(i+1)] = n
	}
	for _, c := range st.Comments {
		out.Comments = append(out.Comments, feedbackCommentJSON{Rating: c.Rating, Comment: c.Comment, At: c.At})
	}
	return out
}

func (s *Server) getFeedback(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	fv, err := s.store.FindFeedbackByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if fv.View.RSVP.ErasedAt != nil {
		return domain.ErrRSVPErased
	}
	return c.JSON(http.StatusOK, feedbackView(fv))
}

func (s *Server) postFeedback(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	var req feedbackRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Rating == nil {
		return fieldError("rating", "is required: a whole number from %d to %d", domain.MinRating, domain.MaxRating)
	}
	fv, err := s.store.SaveFeedbackByToken(c.Request().Context(), t, domain.FeedbackInput{Rating: *req.Rating, Comment: req.Comment})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, feedbackView(fv))
}

// The page.

type ratingOption struct {
	Value   int
	Label   string
	Checked bool
}

type feedbackPageData struct {
	Meta     pageMeta
	Event    eventSummary
	Name     string
	Action   string
	CSRF     string
	Notice   *notice
	Options  []ratingOption
	Comment  string
	MaxLen   int
	Errors   map[string]string
	Summary  []fieldMessage
	Answered bool
}

var ratingLabels = [domain.MaxRating]string{"Poor", "Fair", "Good", "Very good", "Excellent"}

// feedbackPage shows the form, with the earlier answer if any. Opening the
// link changes nothing.
func (s *Server) feedbackPage(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	fv, err := s.store.FindFeedbackByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	var n *notice
	if c.QueryParam("sent") == "1" && fv.Feedback != nil {
		n = &notice{Kind: "ok", Text: "Thank you! Your feedback was sent to the organisers. You can change your answer from the same link."}
	}
	rating, comment := 0, ""
	if fv.Feedback != nil {
		rating, comment = fv.Feedback.Rating, fv.Feedback.Comment
	}
	return s.renderFeedback(c, http.StatusOK, t, fv, rating, comment, nil, n)
}

// feedbackFormPost saves the answer and shows the page again (303), or
// the form with what to correct.
func (s *Server) feedbackFormPost(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	comment := c.FormValue("comment")
	rating, convErr := strconv.Atoi(c.FormValue("rating"))
	if convErr != nil {
		rating = 0 // refused below with the field's message
	}
	_, err = s.store.SaveFeedbackByToken(ctx, t, domain.FeedbackInput{Rating: rating, Comment: comment})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/f/"+url.PathEscape(t)+"?sent=1")
	}
	var (
		de     *domain.Error
		fields []domain.FieldError
		status int
	)
	switch {
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		status, fields = http.StatusUnprocessableEntity, de.Fields
	case domain.ErrorCode(err) == domain.ECONFLICT || domain.ErrorCode(err) == domain.EGONE:
		// Not an attendee, or erased: the page says so.
		status = http.StatusConflict
	default:
		return err
	}
	fv, err := s.store.FindFeedbackByToken(ctx, t)
	if err != nil {
		return err
	}
	return s.renderFeedback(c, status, t, fv, rating, comment, fields, nil)
}

func (s *Server) renderFeedback(c echo.Context, status int, t string, fv domain.FeedbackView, rating int, comment string, fields []domain.FieldError, n *notice) error {
	v := fv.View
	if v.RSVP.ErasedAt != nil {
		return s.renderErased(c, v)
	}
	sum := s.eventSummary(v.Event, v.Group)
	if err := domain.CheckFeedback(v.RSVP); err != nil {
		// Only people who came can say how it was.
		d := messagePageData{Meta: s.meta("Feedback is for people who came"), Heading: "Feedback is for people who came",
			Text: []string{"We have no record of you at “" + v.Event.Title + "”, so we can't take your feedback on it.",
				"If you were there, tell the organisers: they can record your attendance, and the link will work."}}
		d.Meta.NoIndex = true
		d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
		d.Links = []pageLink{{URL: sum.URL, Label: "See the event"}}
		if status == http.StatusOK {
			status = http.StatusConflict
		}
		return s.render(c, status, "message", d)
	}
	d := feedbackPageData{Meta: s.meta("Your feedback: " + v.Event.Title), Event: sum, Name: v.RSVP.Name,
		Action: "/f/" + url.PathEscape(t), CSRF: csrfToken(c), Notice: n, Comment: comment,
		MaxLen: domain.MaxFeedbackComment, Answered: fv.Feedback != nil}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	for i, label := range ratingLabels {
		d.Options = append(d.Options, ratingOption{Value: i + 1, Label: label, Checked: rating == i+1})
	}
	if len(fields) > 0 {
		d.Errors = map[string]string{}
		for _, fe := range fields {
			text := "Rating: choose a number from 1 to 5."
			if fe.Field == "comment" {
				text = "Comment " + fe.Message + "."
			}
			if _, dup := d.Errors[fe.Field]; !dup {
				d.Errors[fe.Field] = text
			}
		}
		for _, f := range []struct{ name, id string }{{"rating", "rating-1"}, {"comment", "comment"}} {
			if text, ok := d.Errors[f.name]; ok {
				d.Summary = append(d.Summary, fieldMessage{ID: f.id, Text: text})
			}
		}
	}
	return s.render(c, status, "feedback", d)
}
