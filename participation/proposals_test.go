package participation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// proposal makes c's proposal with its own threshold, or the city's when
// threshold is 0.
func proposal(t *testing.T, f *fixture, c identity.Caller, threshold int) participation.Proposal {
	t.Helper()
	n := participation.NewProposal{Title: "More benches in Villa Comunale", Body: "The park has too few benches for older visitors."}
	if threshold != 0 {
		n.Threshold = &threshold
	}
	p, err := f.svc.CreateProposal(context.Background(), c, n)
	if err != nil {
		t.Fatalf("CreateProposal: %v", err)
	}
	return p
}

// 64 supports of one citizen racing count once, on both engines: exactly
// one of them says it added the support.
func TestSupportRaceOneCitizen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		const n = 64
		var wg sync.WaitGroup
		start := make(chan struct{})
		var mu sync.Mutex
		added, errs := 0, []error{}
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, ok, err := f.svc.Support(ctx, bruno, p.ID)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if ok {
					added++
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d supports failed, first: %v", len(errs), errs[0])
		}
		if added != 1 {
			t.Fatalf("%d supports said added, want exactly 1", added)
		}
		got, err := f.svc.Proposal(ctx, p.ID)
		must(t, err)
		if got.SupportCount != 1 {
			t.Fatalf("support_count %d, want 1", got.SupportCount)
		}
		var rows int
		must(t, db.Participation().View(ctx, func(tx participation.Tx) error {
			var err error
			rows, err = tx.CountSupports(ctx, p.ID)
			return err
		}))
		if rows != 1 {
			t.Fatalf("%d support rows, want 1", rows)
		}
	})
}

// Past its threshold a proposal awaits the city's answer; the answer is
// public, e-mailed to every follower (the author follows by default), and
// ends supports.
func TestProposalThresholdAnswerAndFollowers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// Any threshold a citizen sends is refused, 0 and out-of-range ones
		// included: only an administrator sets one.
		for _, th := range []int{2, 0, -1, participation.MaxProposalThreshold + 1} {
			_, err := f.svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "A title", Body: strings.Repeat("x", 30), Threshold: &th})
			wantCode(t, fmt.Sprintf("a citizen sets the threshold %d", th), err, apperr.Forbidden, "not_admin")
		}
		if ps, err := f.svc.Proposals(ctx, "", 10); err != nil || len(ps) != 0 {
			t.Fatalf("refused proposals were made: %+v, %v", ps, err)
		}
		var err error
		_, err = f.svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "Hi", Body: strings.Repeat("x", 30)})
		wantCode(t, "short title", err, apperr.Invalid, "bad_title")
		_, err = f.svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "A fine\ntitle", Body: strings.Repeat("x", 30)})
		wantCode(t, "a title of two lines", err, apperr.Invalid, "bad_title")
		_, err = f.svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "A fine title", Body: "too short"})
		wantCode(t, "short body", err, apperr.Invalid, "bad_body")
		_, err = f.svc.CreateProposal(ctx, roads, participation.NewProposal{Title: "A fine title", Body: strings.Repeat("x", 30)})
		wantCode(t, "staff propose", err, apperr.Forbidden, "not_citizen")
		if p := proposal(t, f, anna, 0); p.Threshold != participation.DefaultSupportThreshold {
			t.Fatalf("default threshold %d", p.Threshold)
		}

		// The city proposes with its own threshold of 2 (an administrator
		// who is also a citizen).
		cityCitizen := anna
		cityCitizen.Grants = append([]identity.Grant{{Role: identity.RoleAdmin}}, anna.Grants...)
		for _, th := range []int{0, participation.MaxProposalThreshold + 1} {
			_, err := f.svc.CreateProposal(ctx, cityCitizen, participation.NewProposal{Title: "A title", Body: strings.Repeat("x", 30), Threshold: &th})
			wantCode(t, fmt.Sprintf("the city sets the threshold %d", th), err, apperr.Invalid, "bad_threshold")
		}
		p := proposal(t, f, cityCitizen, 2)
		must(t, f.svc.Follow(ctx, carla, p.ID, true))
		must(t, f.svc.Follow(ctx, bruno, p.ID, true))
		must(t, f.svc.Follow(ctx, bruno, p.ID, false))
		for i, c := range []identity.Caller{bruno, carla} {
			got, added, err := f.svc.Support(ctx, c, p.ID)
			if err != nil || !added {
				t.Fatalf("support %d: %v", i, err)
			}
			want := []string{participation.ProposalCollecting, participation.ProposalAwaitingAnswer}[i]
			if got.State != want {
				t.Fatalf("after %d supports: %s, want %s", i+1, got.State, want)
			}
		}
		waiting, err := f.svc.AwaitingAnswer(ctx, admin, "", 0)
		if err != nil || len(waiting) != 1 || waiting[0].ID != p.ID {
			t.Fatalf("awaiting answer %+v, %v", waiting, err)
		}
		_, err = f.svc.Answer(ctx, anna, p.ID, "No.")
		wantCode(t, "a citizen answers", err, apperr.Forbidden, "not_admin")
		_, err = f.svc.Answer(ctx, admin, p.ID, "   ")
		wantCode(t, "empty answer", err, apperr.Invalid, "bad_answer")
		got, err := f.svc.Answer(ctx, admin, p.ID, "Yes: twenty <b>benches</b> by May.")
		if err != nil || got.State != participation.ProposalAnswered || got.Answer != "Yes: twenty <b>benches</b> by May." {
			t.Fatalf("answer = %+v, %v", got, err)
		}
		_, err = f.svc.Answer(ctx, admin, p.ID, "Again")
		wantCode(t, "second answer", err, apperr.Conflict, "already_answered")
		_, _, err = f.svc.Support(ctx, bruno, p.ID)
		wantCode(t, "support after the answer", err, apperr.Conflict, "proposal_answered")

		to := map[string]mail.Message{}
		for _, m := range f.outbox(t) {
			if m.Kind == mail.KindProposalAnswered {
				to[m.To] = m
			}
		}
		if len(to) != 2 || to[anna.Email].Locale != "it" || to[carla.Email].Subject != "Il Comune ha risposto alla proposta «More benches in Villa Comunale»" {
			t.Fatalf("answer e-mails to %v", to)
		}
		if !strings.Contains(to[carla.Email].HTML, "twenty &lt;b&gt;benches") || !strings.Contains(to[carla.Email].Text, "/proposals/"+p.ID) {
			t.Fatalf("answer e-mail %+v", to[carla.Email])
		}
		// Its author reads of their own proposal, a follower of one they follow.
		if !strings.Contains(to[anna.Email].Text, "alla tua proposta «More benches in Villa Comunale»") || strings.Contains(to[anna.Email].Text, "che segui") ||
			!strings.Contains(to[carla.Email].Text, "che segui") || strings.Contains(to[carla.Email].Text, "tua proposta") {
			t.Fatalf("the author's e-mail:\n%s\na follower's:\n%s", to[anna.Email].Text, to[carla.Email].Text)
		}
	})
}

// An abusive comment, once flagged, waits for a moderator and stays
// visible; hidden, it leaves the public list.
func TestCommentsAndModeration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		good, err := f.svc.AddComment(ctx, bruno, p.ID, "Great idea <3")
		must(t, err)
		bad, err := f.svc.AddComment(ctx, carla, p.ID, "You are all idiots")
		must(t, err)
		_, err = f.svc.AddComment(ctx, carla, "prp_missing", "Hello")
		wantCode(t, "comment a missing proposal", err, apperr.NotFound, "proposal_not_found")
		_, err = f.svc.AddComment(ctx, carla, p.ID, strings.Repeat("a", participation.MaxCommentLen+1))
		wantCode(t, "long comment", err, apperr.Invalid, "bad_comment")
		must(t, f.svc.FlagComment(ctx, anna, bad.ID, "insult"))
		must(t, f.svc.FlagComment(ctx, anna, bad.ID, "insult again"))
		must(t, f.svc.FlagComment(ctx, bruno, bad.ID, ""))
		flagged, err := f.svc.FlaggedComments(ctx, admin, "", 0)
		if err != nil || len(flagged) != 1 || flagged[0].ID != bad.ID || flagged[0].FlagCount != 2 {
			t.Fatalf("flagged %+v, %v", flagged, err)
		}
		if cs, _ := f.svc.Comments(ctx, p.ID, "", 0); len(cs) != 2 {
			t.Fatalf("a flagged comment stays visible until moderated: %+v", cs)
		}
		err = f.svc.ModerateComment(ctx, roads, bad.ID, participation.CommentHidden)
		wantCode(t, "staff moderate comments", err, apperr.Forbidden, "not_admin")
		must(t, f.svc.ModerateComment(ctx, admin, bad.ID, participation.CommentHidden))
		cs, err := f.svc.Comments(ctx, p.ID, "", 0)
		if err != nil || len(cs) != 1 || cs[0].ID != good.ID || cs[0].Body != "Great idea <3" || cs[0].AuthorName != bruno.Name {
			t.Fatalf("comments %+v, %v", cs, err)
		}
		if flagged, _ := f.svc.FlaggedComments(ctx, admin, "", 0); len(flagged) != 0 {
			t.Fatalf("moderated comment still queued: %+v", flagged)
		}
	})
}

// API keys: issued by an administrator, kept hashed, checked, revoked.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, err := f.svc.IssueAPIKey(ctx, roads, "App")
		wantCode(t, "staff issue keys", err, apperr.Forbidden, "not_admin")
		k, err := f.svc.IssueAPIKey(ctx, admin, "Segnala Benevento app")
		must(t, err)
		if !strings.HasPrefix(k.Key, k.ID+".") || strings.Contains(k.SecretHash, strings.TrimPrefix(k.Key, k.ID+".")) {
			t.Fatalf("issued %+v", k)
		}
		got, err := f.svc.AuthenticateAPIKey(ctx, k.Key)
		if err != nil || got.ID != k.ID {
			t.Fatalf("authenticate = %+v, %v", got, err)
		}
		for _, bad := range []string{"", k.ID, k.ID + ".wrong", "key_nope." + strings.TrimPrefix(k.Key, k.ID+"."), k.Key + "x", strings.Repeat("a.", 200)} {
			_, err := f.svc.AuthenticateAPIKey(ctx, bad)
			wantCode(t, "bad key "+bad, err, apperr.Unauthenticated, "bad_api_key")
		}
		// An address no mail reaches (RFC 6761's .invalid) is refused as an
		// account's is: the report's updates would go to nobody.
		for _, bad := range []string{"dario@example.invalid", "dario at home"} {
			_, err := f.svc.SubmitReportFromApp(ctx, got, "it", participation.NewReport{Category: "rubbish", Located: true, Lat: archLat, Lon: archLon,
				Description: "Bags left by the bins.", Name: "Dario", Email: bad})
			wantCode(t, "app report to "+bad, err, apperr.Invalid, "bad_email")
		}
		r, err := f.svc.SubmitReportFromApp(ctx, got, "it", participation.NewReport{Category: "rubbish", Located: true, Lat: archLat, Lon: archLon,
			Description: "Bags left by the bins.", Name: "Dario", Email: "dario@example.org", PublicName: true})
		if err != nil || r.Source != "open311:"+k.ID || r.PublicName || r.ReporterEmail != "dario@example.org" {
			t.Fatalf("app report %+v, %v", r, err)
		}
		must(t, f.svc.RevokeAPIKey(ctx, admin, k.ID))
		wantCode(t, "revoke twice", f.svc.RevokeAPIKey(ctx, admin, k.ID), apperr.Conflict, "already_revoked")
		_, err = f.svc.AuthenticateAPIKey(ctx, k.Key)
		wantCode(t, "revoked key", err, apperr.Unauthenticated, "bad_api_key")
		// The app's reporter, without an account, is e-mailed at the
		// address the app gave.
		_, err = f.svc.ChangeStatus(ctx, admin, r.ID, participation.StatusAcknowledged, "")
		must(t, err)
		msgs := f.outbox(t)
		if len(msgs) != 2 || msgs[0].Kind != mail.KindReportStatus || msgs[1].Kind != mail.KindReportReceived {
			t.Fatalf("e-mails to the app's reporter %+v, want the receipt and the status", msgs)
		}
		for _, m := range msgs {
			if m.To != "dario@example.org" || m.AccountID != "" {
				t.Fatalf("e-mail to the app's reporter %+v", m)
			}
		}
	})
}

// A proposal's comments come a page at a time, oldest first, each page
// after the last comment of the one before.
func TestCommentsPaged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		// Pairs of comments share their time: the id orders them.
		var all []participation.Comment
		for i := range 5 {
			c, err := f.svc.AddComment(ctx, callers[i%3], p.ID, fmt.Sprintf("Comment number %d", i))
			must(t, err)
			all = append(all, c)
			if i%2 == 0 {
				f.clock.Add(time.Second)
			}
		}
		slices.SortFunc(all, func(a, b participation.Comment) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		var want []string
		for _, c := range all {
			want = append(want, c.ID)
		}
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			page, err := f.svc.Comments(ctx, p.ID, after, 2)
			must(t, err)
			if len(page) == 0 {
				break
			}
			if len(page) > 2 || pages > 3 {
				t.Fatalf("page %d has %d comments", pages, len(page))
			}
			for _, c := range page {
				got = append(got, c.ID)
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
		_, err := f.svc.Comments(ctx, p.ID, "", participation.MaxCommentPage+1)
		wantCode(t, "a page too long", err, apperr.Invalid, "bad_limit")
	})
}

// A proposal's author may not support it, nor a comment's author flag it:
// refused (own_proposal, own_comment), nothing counted. Authored tells a
// page which of a proposal and its comments the caller wrote, so that it
// offers neither.
func TestAuthorMayNotSupportOrFlagOwn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		got, added, err := f.svc.Support(ctx, anna, p.ID)
		wantCode(t, "the author supports", err, apperr.Forbidden, "own_proposal")
		if added || got.SupportCount != 0 {
			t.Fatalf("the author's support: %+v, added %v", got, added)
		}
		if got, added, err := f.svc.Support(ctx, bruno, p.ID); err != nil || !added || got.SupportCount != 1 {
			t.Fatalf("another's support: %+v, %v, %v; want one support", got, added, err)
		}
		cm, err := f.svc.AddComment(ctx, bruno, p.ID, "Yes, and near the bridge")
		must(t, err)
		wantCode(t, "the author flags", f.svc.FlagComment(ctx, bruno, cm.ID, "regret"), apperr.Forbidden, "own_comment")
		if flagged, err := f.svc.FlaggedComments(ctx, admin, "", 0); err != nil || len(flagged) != 0 {
			t.Fatalf("queue after the author's flag: %+v, %v", flagged, err)
		}
		must(t, f.svc.FlagComment(ctx, anna, cm.ID, "off topic"))
		// Bruno's comment elsewhere is not this proposal's.
		_, err = f.svc.AddComment(ctx, bruno, proposal(t, f, carla, 0).ID, "Elsewhere")
		must(t, err)

		for _, tc := range []struct {
			who      identity.Caller
			proposal bool
			comments int
		}{{anna, true, 0}, {bruno, false, 1}, {carla, false, 0}, {nobody, false, 0}} {
			a, err := f.svc.Authored(ctx, tc.who, p.ID)
			if err != nil || a.Proposal != tc.proposal || len(a.Comments) != tc.comments || (tc.comments == 1 && !a.Comments[cm.ID]) {
				t.Fatalf("authored by %q: %+v, %v; want proposal %v, %d comments", tc.who.AccountID, a, err, tc.proposal, tc.comments)
			}
		}
		_, err = f.svc.Authored(ctx, anna, "prp_missing")
		wantCode(t, "authored of a missing proposal", err, apperr.NotFound, "proposal_not_found")
	})
}
