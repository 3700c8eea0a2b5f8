package httpkit

// Paths one part of the service links to in another.
const (
	// SigningKeyPath is where the public key that signs contribution
	// records is published (RFC 8615): at the root of the origin that a
	// record names as its issuer. The JSON API answers it; pages link it.
	SigningKeyPath = "/.well-known/convene-signing-key"
)
