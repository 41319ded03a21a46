package ui

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"cityhub/participation"
)

// The report form of a comment bounds its reason where the service's
// check does (participation.MaxNoteLen), so that a browser stops the
// typing where the check would refuse it, however the bound changes; the
// form wrote its own number.
func TestFlagFormBoundsTheReasonAsTheCheck(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	author, _ := env.account(t, "Carla Comments", citizenGrant)
	_, reader := env.account(t, "Fabio Flagger", citizenGrant)
	pr, err := env.Svc.CreateProposal(ctx, author.Caller(), participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := env.Svc.AddComment(ctx, author.Caller(), pr.ID, "Benches with a back, for the elderly.")
	if err != nil {
		t.Fatal(err)
	}
	res, body := reader.Get("/proposals/" + pr.ID)
	wantStatus(t, "the proposal's page", res, body, http.StatusOK)
	m := regexp.MustCompile(`id="flag-` + cm.ID + `" name="reason" maxlength="([0-9]+)"`).FindStringSubmatch(body)
	if m == nil || m[1] != strconv.Itoa(participation.MaxNoteLen) {
		t.Fatalf("the report form's reason is bounded at %v, want maxlength=%d\n%s", m, participation.MaxNoteLen, body)
	}
}
