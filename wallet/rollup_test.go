package wallet_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// TestRollUpKeepsBalancesExact posts to accounts without a floor while
// four roll-ups race each other, and reads every balance exactly before,
// during and after: no entry is rolled up twice or lost.
func TestRollUpKeepsBalancesExact(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		const posters, each = 8, 30
		var wg sync.WaitGroup
		errs := make(chan error, posters+4)
		done := make(chan struct{})
		for p := range posters {
			wg.Go(func() {
				for i := range each {
					to := wallet.RevenueTheatre
					if i%3 == 0 {
						to = alice
					}
					if _, err := l.svc.Post(ctx, transfer(fmt.Sprintf("p%d-%d", p, i), wallet.CityFunding, to, 100)); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		var rollers sync.WaitGroup
		for range 4 {
			rollers.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					if _, err := l.svc.RollUp(ctx, 7); err != nil {
						errs <- err
						return
					}
					if i%4 != 0 {
						continue
					}
					if c, err := l.svc.Check(ctx); err != nil || !c.OK() {
						errs <- fmt.Errorf("check during roll-ups: %+v, %v", c, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(done)
		rollers.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total := int64(posters * each * 100)
		want := map[wallet.AccountID]int64{wallet.CityFunding: -total, alice: int64(posters*10) * 100, wallet.RevenueTheatre: total - int64(posters*10)*100}
		for id, w := range want {
			if got := l.balance(t, id); got != w {
				t.Errorf("%s before the last roll-up: %d, want %d", id, got, w)
			}
		}
		for {
			n, err := l.svc.RollUp(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		c := l.check(t)
		if c.Pending != 0 {
			t.Errorf("%d entries still pending after the roll-up", c.Pending)
		}
		for id, w := range want {
			if got := l.balance(t, id); got != w {
				t.Errorf("%s after the roll-up: %d, want %d", id, got, w)
			}
		}
	})
}

// TestPostingLocksOnlyFlooredAccounts holds a posting to the city's funding
// and theatre revenue open and posts to the same two accounts meanwhile: it
// must not wait (they have no floor). A posting from alice's credit, which
// has a floor, still waits for another one holding it.
func TestPostingLocksOnlyFlooredAccounts(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t) // SQLite has one writer: everything waits there by design
	ctx := context.Background()
	l := newLedger(t, db)
	l.mustPost(t, transfer("fund", wallet.CityFunding, alice, 1000))
	hold := func(tr wallet.Transaction) (release func()) {
		posted, proceed, finished := make(chan error, 1), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(finished)
			_ = db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
				_, err := wallet.Post(ctx, tx, tr, time.Now())
				posted <- err
				<-proceed
				return err
			})
		}()
		if err := <-posted; err != nil {
			t.Fatalf("post %s: %v", tr.Key, err)
		}
		return func() { close(proceed); <-finished }
	}

	release := hold(transfer("open-1", wallet.CityFunding, wallet.RevenueTheatre, 5))
	quick, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err := l.svc.Post(quick, transfer("meanwhile", wallet.CityFunding, wallet.RevenueTheatre, 7))
	cancel()
	release()
	if err != nil {
		t.Fatalf("a posting to accounts without a floor waited for another: %v", err)
	}

	release = hold(transfer("open-2", alice, wallet.RevenueTheatre, 5))
	quick, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = l.svc.Post(quick, transfer("alice-meanwhile", alice, wallet.RevenueBikeshare, 7))
	cancel()
	release()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a posting from a floored account did not wait for the one holding it: %v", err)
	}
	if got := l.balance(t, wallet.RevenueTheatre); got != 17 {
		t.Errorf("theatre revenue %d, want 17", got)
	}
	l.check(t)
}

// The kill test's child: CITYHUB_TEST_ROLLUP_CHILD_DB names the database (a
// PostgreSQL URL, or "sqlite:" and a directory). It posts from eight
// goroutines and, after every 100 postings, rolls up, saying "rolling" on
// stdout as each roll-up starts, until it is killed.
const childEnv = "CITYHUB_TEST_ROLLUP_CHILD_DB"

func TestRollUpKillChild(t *testing.T) {
	target := os.Getenv(childEnv)
	if target == "" {
		t.Skip("runs only as the child of TestRollUpSurvivesKill")
	}
	ctx := context.Background()
	db := openTarget(t, target)
	svc := wallet.NewService(db.Wallet(), nil)
	prefix := ids.New("k")
	hundred := make(chan struct{}, 1000)
	var posted atomic.Int64
	for w := range 8 {
		go func() {
			for i := 0; ; i++ {
				to := wallet.RevenueTheatre
				if i%4 == 0 {
					to = alice
				}
				if _, err := svc.Post(ctx, transfer(fmt.Sprintf("%s-%d-%d", prefix, w, i), wallet.CityFunding, to, 1+int64(i%50))); err != nil {
					fmt.Println("post failed:", err)
					os.Exit(2)
				}
				if posted.Add(1)%100 == 0 {
					hundred <- struct{}{}
				}
			}
		}()
	}
	for range hundred {
		fmt.Println("rolling")
		if _, err := svc.RollUp(ctx, 500); err != nil {
			fmt.Println("roll-up failed:", err)
			os.Exit(2)
		}
	}
}

func openTarget(t *testing.T, target string) store.DB {
	t.Helper()
	url, dir := target, ""
	if d, ok := strings.CutPrefix(target, "sqlite:"); ok {
		url, dir = "", d
	}
	db, err := store.Open(context.Background(), url, dir, storetest.Logger(t))
	if err != nil {
		t.Fatalf("open %s: %v", target, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestRollUpSurvivesKill runs postings and roll-ups in a child process and
// kills it (SIGKILL) right after it starts its tenth roll-up. The ledger
// check passes on what the child left, before and after the rest is rolled
// up.
func TestRollUpSurvivesKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a child process for a few seconds")
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			target, childTarget := "sqlite:"+t.TempDir(), ""
			// The child's PostgreSQL sessions carry a name of their own, so
			// the test can wait for them to end after the kill.
			child := "rollup-child-" + strings.TrimPrefix(ids.New("x"), "x_")
			if engine == "postgres" {
				target = storetest.PostgresURL(t)
				childTarget = target + "&application_name=" + child
			} else {
				childTarget = target
			}
			db := openTarget(t, target)
			l := newLedger(t, db)
			cmd := exec.Command(os.Args[0], "-test.run=^TestRollUpKillChild$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"="+childTarget)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(out)
			rolls := 0
			for rolls < 10 && lines.Scan() {
				if lines.Text() == "rolling" {
					rolls++
				} else if strings.Contains(lines.Text(), "failed") {
					t.Errorf("child: %s", lines.Text())
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if rolls < 10 {
				t.Fatalf("the child ended after %d roll-ups", rolls)
			}
			// A PostgreSQL session finishes the commit it was sent even
			// after its client died: count what is left once they are gone.
			if engine == "postgres" {
				testutil.Eventually(t, 30*time.Second, "the killed child's sessions end", func() bool {
					return storetest.PostgresSessions(t, child) == 0
				})
			}
			before := l.check(t)
			if before.Transactions < 1000 {
				t.Fatalf("the child posted only %d transactions", before.Transactions)
			}
			for {
				n, err := l.svc.RollUp(context.Background(), 0)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			after := l.check(t)
			if after.Pending != 0 || after.Transactions != before.Transactions {
				t.Errorf("after the roll-up: %d pending, %d transactions (was %d)", after.Pending, after.Transactions, before.Transactions)
			}
			t.Logf("killed after %d roll-ups: %d transactions, %d entries were pending", rolls, before.Transactions, before.Pending)
		})
	}
}
