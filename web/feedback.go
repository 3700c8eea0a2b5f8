package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

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
	sum := s.eventSummary(v.Event, v.Group, langOf(c))
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
		Action: "/f/" + url.PathEscape(t), CSRF: httpkit.CSRFToken(c), Notice: n, Comment: comment,
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

type ratingOption struct {
	Value   int
	Label   string
	Checked bool
}

var ratingLabels = [domain.MaxRating]string{"Poor", "Fair", "Good", "Very good", "Excellent"}
