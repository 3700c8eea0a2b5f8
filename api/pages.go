package api

import "github.com/labstack/echo/v4"

// pageRoutes registers the attendee-facing HTML pages.
func (s *Server) pageRoutes(e *echo.Echo) {}
