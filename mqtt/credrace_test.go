package mqtt_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/store/storetest"
)

// gatedAuth is the hub's own authenticator (the mobility service on a real
// store) that can hold one check after it read the stored credential, as a
// slow argon2id check holds it, until the test lets it answer.
type gatedAuth struct {
	svc     *mobility.Service
	mu      sync.Mutex
	checked chan struct{} // armed when not nil
	release chan struct{}
}

func (g *gatedAuth) AuthenticateStation(ctx context.Context, user, secret string) (bool, error) {
	ok, err := g.svc.AuthenticateStation(ctx, user, secret)
	g.mu.Lock()
	checked, release := g.checked, g.release
	g.checked = nil
	g.mu.Unlock()
	if checked != nil {
		close(checked)
		<-release
	}
	return ok, err
}

// hold arms the gate for the next check.
func (g *gatedAuth) hold() (checked <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checked, g.release = make(chan struct{}), make(chan struct{})
	return g.checked, func() { close(g.release) }
}

// credentialChanges are the two changes that end a secret.
var credentialChanges = []struct {
	name   string
	change func(ctx context.Context, svc *mobility.Service, id string) (newSecret string, err error)
}{
	{"rotate", func(ctx context.Context, svc *mobility.Service, id string) (string, error) {
		c, err := svc.RotateStationCredential(ctx, admin, id)
		return c.Secret, err
	}},
	{"revoke", func(ctx context.Context, svc *mobility.Service, id string) (string, error) {
		_, err := svc.RevokeStationCredential(ctx, admin, id)
		return "", err
	}},
}

// newStation registers a station with a credential; it returns its id and secret.
func newStation(t *testing.T, svc *mobility.Service) (string, string) {
	t.Helper()
	ctx := context.Background()
	id := "sc-" + ids.Token(8)[:8]
	if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: id, NameIT: id, NameEN: id, Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
		t.Fatal(err)
	}
	c, err := svc.IssueStationCredential(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return id, c.Secret
}

// oldSecretGone checks that, after a change, the old secret neither opens
// nor left a connection, and that a rotated one opens.
func oldSecretGone(t *testing.T, url, id, oldSecret, newSecret string) {
	t.Helper()
	if s, err := connectStation(url, id, oldSecret); err == nil {
		s.cli.Disconnect(50)
		t.Error("the old secret opens after the change (a verdict on it is remembered)")
	}
	if newSecret == "" {
		return
	}
	s, err := connectStation(url, id, newSecret)
	if err != nil {
		t.Fatalf("the new secret: %v", err)
	}
	s.cli.Disconnect(50)
}

// A login whose check read the credential before a rotation or revocation
// and answers after it (review: the kick and forget ran first, then the
// check cached ok for a minute and the station stayed connected) is
// refused, or dropped, and its verdict is not remembered. The change runs
// through the mobility service as the admin pages run it.
func TestLoginCheckedAcrossACredentialChange(t *testing.T) {
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	g := &gatedAuth{svc: svc}
	b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: testutil.FreeAddr(t), MoveIfTaken: true, Root: "cityhub/v1", Stations: g})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	svc.SetBrokerAccounts(b)
	ctx := context.Background()
	for _, c := range credentialChanges {
		t.Run(c.name, func(t *testing.T) {
			id, secret := newStation(t, svc)
			checked, release := g.hold()
			type result struct {
				s   *station
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := connectStation(b.URL(), id, secret)
				done <- result{s, err}
			}()
			testutil.Receive(t, 5*time.Second, "the login's check read the credential", checked)
			newSecret, err := c.change(ctx, svc, id)
			if err != nil {
				t.Fatal(err)
			}
			release()
			r := testutil.Receive(t, 5*time.Second, "the login answered", done)
			if r.err == nil {
				defer r.s.cli.Disconnect(50)
				testutil.Receive(t, 5*time.Second, "the connection made with the old secret dropped", r.s.lost)
			}
			oldSecretGone(t, b.URL(), id, secret, newSecret)
		})
	}
}

// loginInTx is the embedded broker as the mobility service sees it, with a
// station logging in with its old secret right after the broker was told of
// the change, inside the transaction, before the commit: the login reads
// the credential still stored.
type loginInTx struct {
	*mqtt.Broker
	t      *testing.T
	id     string
	secret string
	got    chan *station
}

func (l loginInTx) login() {
	s, err := connectStation(l.Broker.URL(), l.id, l.secret)
	if err != nil {
		l.t.Errorf("a login before the commit, with the secret still stored: %v", err)
		s = nil
	}
	l.got <- s
}

func (l loginInTx) SetStationSecret(ctx context.Context, id, secret string) error {
	err := l.Broker.SetStationSecret(ctx, id, secret)
	l.login()
	return err
}

func (l loginInTx) RemoveStation(ctx context.Context, id string) error {
	err := l.Broker.RemoveStation(ctx, id)
	l.login()
	return err
}

// A login verified between the broker's in-transaction kick and the commit
// (review: it was cached ok for a minute and stayed connected) is dropped,
// and forgotten, when the hub tells the broker that the change committed
// (StationCredentialCommitted; the mobility service must call it after its
// transaction, see the report).
func TestLoginBeforeTheCommitDroppedAfterIt(t *testing.T) {
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: testutil.FreeAddr(t), MoveIfTaken: true, Root: "cityhub/v1", Stations: svc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	for _, c := range credentialChanges {
		t.Run(c.name, func(t *testing.T) {
			svc.SetBrokerAccounts(b)
			id, secret := newStation(t, svc)
			l := loginInTx{Broker: b, t: t, id: id, secret: secret, got: make(chan *station, 1)}
			svc.SetBrokerAccounts(l)
			newSecret, err := c.change(ctx, svc, id)
			if err != nil {
				t.Fatal(err)
			}
			s := <-l.got
			if s == nil {
				return
			}
			defer s.cli.Disconnect(50)
			b.StationCredentialCommitted(ctx, id)
			testutil.Receive(t, 5*time.Second, "the connection made before the commit dropped", s.lost)
			oldSecretGone(t, b.URL(), id, secret, newSecret)
		})
	}
}
