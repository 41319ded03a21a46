package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
)

// openAPIDocument describes the JSON API under /api/v1 (OpenAPI 3.1). It is
// generated from the handlers' types and an operation table kept in
// openapi_gen_test.go, and the contract tests hold it to the real routes
// and answers.
//
//go:embed openapi.json
var openAPIDocument []byte

var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// handleOpenAPI serves the OpenAPI document. It changes only with the
// binary, so clients may cache it and revalidate by ETag.
func handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", openAPIETag)
	if match := r.Header.Get("If-None-Match"); match != "" && (match == openAPIETag || match == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(openAPIDocument)
	}
}

// OpenAPIDocument is a copy of the OpenAPI document the API serves.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }
