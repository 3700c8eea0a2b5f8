package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
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
	// Absent: the person has no recorded attendance, so the page says
	// why there is no form instead of showing it.
	Absent bool
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
	rating, comment := 0, ""
	if fv.Feedback != nil {
		rating, comment = fv.Feedback.Rating, fv.Feedback.Comment
	}
	return s.renderFeedback(c, http.StatusOK, t, fv, rating, comment, nil, c.QueryParam("sent") == "1" && fv.Feedback != nil)
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
	return s.renderFeedback(c, status, t, fv, rating, comment, fields, false)
}

// renderFeedback draws the form in the event's language (unless the
// visitor asks for another), with the answer given and its errors;
// sent says the answer was just saved.
func (s *Server) renderFeedback(c echo.Context, status int, t string, fv domain.FeedbackView, rating int, comment string, fields []domain.FieldError, sent bool) error {
	v := fv.View
	if v.RSVP.ErasedAt != nil {
		return s.renderErased(c, v)
	}
	l := s.pageLang(c, v.Event.Language(v.Group))
	d := s.feedbackView(fv, l, rating, comment, fields, sent)
	d.Action, d.CSRF = "/f/"+url.PathEscape(t), httpkit.CSRFToken(c)
	d.Meta.Languages = languageLinks(c, l)
	if d.Absent && status == http.StatusOK {
		status = http.StatusConflict
	}
	return s.render(c, status, "feedback", d)
}

// feedbackView is the feedback page in l: the form, or, for someone
// whose attendance is not recorded, why there is none.
func (s *Server) feedbackView(fv domain.FeedbackView, l *i18n.Lang, rating int, comment string, fields []domain.FieldError, sent bool) feedbackPageData {
	v := fv.View
	sum := s.eventSummary(v.Event, v.Group, l)
	d := feedbackPageData{Meta: s.meta(l.T("feedback.title", "Event", v.Event.Title)), Event: sum, Name: v.RSVP.Name,
		Comment: comment, MaxLen: domain.MaxFeedbackComment, Answered: fv.Feedback != nil}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	if domain.CheckFeedback(v.RSVP) != nil {
		// Only people who came can say how it was.
		d.Absent, d.Meta.Title = true, l.T("feedback.absent.heading")
		return d
	}
	if sent {
		d.Notice = &notice{Kind: "ok", Text: l.T("feedback.sent")}
	}
	d.Options, d.Errors, d.Summary = feedbackForm(l, rating, fields)
	return d
}

// feedbackForm is the form's ratings, with rating checked, and the
// errors of the answer sent, in l: each by its field and in the form's
// order, linking to the fields.
func feedbackForm(l *i18n.Lang, rating int, fields []domain.FieldError) (options []ratingOption, errs map[string]string, summary []fieldMessage) {
	for i := range domain.MaxRating {
		// feedback.rating.1 … feedback.rating.5
		options = append(options, ratingOption{Value: i + 1, Label: l.T("feedback.rating." + strconv.Itoa(i+1)), Checked: rating == i+1})
	}
	if len(fields) == 0 {
		return options, nil, nil
	}
	errs = map[string]string{}
	for _, fe := range fields {
		label := "label.rating"
		if fe.Field == "comment" {
			label = "label.comment"
		}
		if _, dup := errs[fe.Field]; !dup {
			errs[fe.Field] = l.Field(fe, l.T(label))
		}
	}
	for _, f := range []struct{ name, id string }{{"rating", "rating-1"}, {"comment", "comment"}} {
		if text, ok := errs[f.name]; ok {
			summary = append(summary, fieldMessage{ID: f.id, Text: text})
		}
	}
	return options, errs, summary
}

type ratingOption struct {
	Value   int
	Label   string
	Checked bool
}
