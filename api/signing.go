package api

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/httpkit"
)

// SigningKeyPath is where the public key that signs contribution records is
// published (httpkit.SigningKeyPath).
const SigningKeyPath = httpkit.SigningKeyPath

// signingKeyJSON is the published public key, in two forms: raw bytes for
// libraries (RFC 8032 keys are 32 bytes) and PEM for OpenSSL.
type signingKeyJSON struct {
	KeyID        string `json:"key_id"`
	Algorithm    string `json:"algorithm"`
	PublicKey    string `json:"public_key"`     // base64url, no padding, 32 bytes
	PublicKeyPEM string `json:"public_key_pem"` // PKIX SubjectPublicKeyInfo
}

// getSigningKey publishes the public key. It is public by nature, so any
// origin may read it (a recognition program's web page can verify a record
// in the browser) and caches may keep it for an hour: the key does not
// change while the service runs.
func (s *Server) getSigningKey(c echo.Context) error {
	k, err := s.store.SigningKey(c.Request().Context())
	if err != nil {
		return err
	}
	pub := k.Public()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Access-Control-Allow-Origin", "*")
	return c.JSON(http.StatusOK, signingKeyJSON{
		KeyID:        k.ID,
		Algorithm:    "Ed25519",
		PublicKey:    base64.RawURLEncoding.EncodeToString(pub),
		PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	})
}
