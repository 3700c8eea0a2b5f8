package api

import (
	"net/http"
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
