package httpx

import "net/http"

// LimitBody bounds r's body at limit bytes: reading past it fails with an
// *http.MaxBytesError. A body that declares a larger Content-Length is
// refused at once (ErrTooLarge) before a byte of it is read, so a client
// that asked "Expect: 100-continue" is never told to go on and gets the
// 413 instead of a connection closed under a body it is still sending.
func LimitBody(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.ContentLength > limit {
		return ErrTooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return nil
}
