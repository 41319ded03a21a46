package ui

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"cityhub/apperr"
	"cityhub/idem"
)

// formOnce runs do at most once for a form's key: the form carries a key
// of its own (a hidden field made when the form was shown), so a double
// press or a post sent again makes one thing, and every post of it is
// answered with what the first made (do's result, such as the id of what
// it created). The key's scope names the caller and the form, so one
// person's key never answers another's. A refusal is not kept, so the
// form corrected and sent again runs. The same key with another request
// is refused (Conflict, reason idempotency_key_reused; refusalOnForm
// shows the form again under a fresh key). do must record nothing of the
// key itself: a first post whose work committed but whose answer was lost
// (the hub stopped between the two) is then refused as such
// (idempotency_key_answer_lost), never run again. With no answer store,
// or no key (a form from before keys), do runs.
func (s *site) formOnce(ctx context.Context, scope, key string, request any, do func(context.Context) (string, error)) (string, error) {
	if s.answers == nil || key == "" {
		return do(ctx)
	}
	if err := idem.ValidateKey(key); err != nil {
		return "", err
	}
	hash, err := idem.Hash(request)
	if err != nil {
		return "", err
	}
	var runErr error
	ans, _, err := s.answers.Answer(ctx, scope, key, hash, func(ctx context.Context) idem.Answer {
		out, err := do(ctx)
		if err != nil {
			runErr = err
			return idem.Answer{Status: http.StatusInternalServerError}
		}
		return idem.Answer{Status: http.StatusOK, Body: []byte(out)}
	}, func(a idem.Answer) bool { return a.Status == http.StatusOK }, false)
	if runErr != nil {
		return "", runErr
	}
	if err != nil {
		return "", err
	}
	if ans.Status != http.StatusOK {
		return "", apperr.E(apperr.Internal, "a form's first answer was not kept")
	}
	return string(ans.Body), nil
}

// anonymousFormOnce is formOnce for a form sent without a sign-in (the
// sign-up, a password reset's request), whose e-mail goes out at once: a
// double press or a reload that posts again must not send a second one
// (a "you already have an account" after the sign-up's own link, a second
// reset link). Nothing tells such callers apart but what they send, so
// each request is a scope of its own, as the API's keyed requests without
// a sign-in are: the same request under the same key gets the first one's
// answer, and another one under it (an address corrected after Back) runs
// as new. The scope holds a keyed hash of the request (formHashKey),
// never the address itself.
func (s *site) anonymousFormOnce(ctx context.Context, form, key string, request any, do func(context.Context) error) error {
	if s.answers == nil || key == "" {
		return do(ctx)
	}
	b, err := json.Marshal(request)
	if err != nil {
		return fmt.Errorf("fingerprint the %s form: %w", form, err)
	}
	mac := hmac.New(sha256.New, s.formHashKey)
	mac.Write([]byte(form))
	mac.Write([]byte{0})
	mac.Write(b)
	scope := "page." + form + ":anonymous:" + hex.EncodeToString(mac.Sum(nil))
	_, err = s.formOnce(ctx, scope, key, struct{}{}, func(ctx context.Context) (string, error) { return "", do(ctx) })
	return err
}
