// Package demo seeds the data a newcomer needs to try the hub: one account per
// role, shops in Benevento's districts, an open voucher campaign and some
// wallet credit. Seeding is idempotent: a second start finds what the first
// made and changes nothing. It must never run outside `cityhub demo`.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// Login is one demo account to print at start.
type Login struct {
	Role  string `json:"role"`
	Email string `json:"email"`
	// Password is empty where it is not known here: the account exists
	// but its password is not in this data directory's LoginsFile (a copy
	// restored from a backup, which does not hold it).
	Password string `json:"password"`
}

// Services is what seeding uses; cmd/cityhub passes the wired services.
type Services struct {
	Identity *identity.Service
	Wallet   *wallet.Service
	Vouchers *vouchers.Service
	Theatre  *ticketing.Service
	// Participation, when set, gets a few reports and proposals.
	Participation *participation.Service
}

// Result says what was seeded, for the caller that seeds other domains.
type Result struct {
	Logins []Login
	Admin  identity.Caller
	// Citizen is the demo citizen, with some credit.
	Citizen identity.Caller
}

// LoginsFile keeps the demo passwords, generated on the first start, in the
// data directory (never in the repository), so later starts print them again.
const LoginsFile = "demo-logins.json"

type person struct {
	role   string
	email  string
	name   string
	grants func(shopID, venueID string) []identity.Grant
}

var people = []person{
	{"citizen", "cittadino@demo.cityhub.test", "Maria Esposito", func(string, string) []identity.Grant {
		return []identity.Grant{{Role: identity.RoleCitizen}}
	}},
	{"merchant staff", "negozio@demo.cityhub.test", "Gennaro Russo", func(shop, _ string) []identity.Grant {
		return []identity.Grant{{Role: identity.RoleMerchant, Scope: shop}}
	}},
	{"door staff", "teatro@demo.cityhub.test", "Lucia Romano", func(_, venue string) []identity.Grant {
		return []identity.Grant{{Role: identity.RoleDoor, Scope: venue}}
	}},
	{"mobility operator", "mobilita@demo.cityhub.test", "Paolo De Luca", func(string, string) []identity.Grant {
		return []identity.Grant{{Role: identity.RoleOperator}}
	}},
	{"city admin", "comune@demo.cityhub.test", "Anna Ferrara", func(string, string) []identity.Grant {
		return []identity.Grant{{Role: identity.RoleAdmin}}
	}},
	// Staff of the roads office, who triage potholes and road signs.
	{"city staff", "strade@demo.cityhub.test", "Marco Iannace", func(string, string) []identity.Grant {
		return []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}
	}},
}

var shops = []vouchers.Shop{
	{Name: "Panificio Santa Sofia", Address: "Piazza Santa Sofia 3", District: "centro-storico", Category: "food"},
	{Name: "Libreria del Trajano", Address: "Via Traiano 12", District: "centro-storico", Category: "books"},
	{Name: "Ortofrutta Rione Libertà", Address: "Viale Principe di Napoli 40", District: "rione-liberta", Category: "food"},
	{Name: "Ferramenta Pacevecchia", Address: "Via Pacevecchia 7", District: "pacevecchia", Category: "hardware"},
}

// Seed creates the demo data unless it exists, and returns the logins.
// It refuses (Conflict, reason not_demo_database) a database that holds
// accounts the demo did not make: the demo adds an administrator with a
// printed password, turns test payments on and plays stations, none of
// which belongs in a city's real database.
func Seed(ctx context.Context, s Services, dataDir string) (Result, error) {
	if err := demoDatabase(ctx, s.Identity); err != nil {
		return Result{}, err
	}
	passwords, err := loadPasswords(dataDir)
	if err != nil {
		return Result{}, err
	}
	// The admin comes first: shops and campaigns are created in its name.
	admin, err := ensurePerson(ctx, s.Identity, people[4], "", "", passwords)
	if err != nil {
		return Result{}, err
	}
	shopIDs, err := ensureShops(ctx, s.Vouchers, admin)
	if err != nil {
		return Result{}, err
	}
	venueID, err := ensureTheatre(ctx, s.Theatre, admin)
	if err != nil {
		return Result{}, err
	}
	res := Result{Admin: admin}
	for _, p := range append(people[:4:4], people[5:]...) {
		c, err := ensurePerson(ctx, s.Identity, p, shopIDs[0], venueID, passwords)
		if err != nil {
			return Result{}, err
		}
		if p.role == "citizen" {
			res.Citizen = c
		}
	}
	if err := ensureCampaign(ctx, s.Vouchers, admin); err != nil {
		return Result{}, err
	}
	// Demo credit: from the test-payments account, so it is never mistaken
	// for card money; the key makes a second start change nothing.
	_, err = s.Wallet.Post(ctx, wallet.Transaction{
		Key: "demo:credit:" + res.Citizen.AccountID, Kind: "topup", Memo: "Credito demo / demo credit",
		Entries: []wallet.Entry{
			{Account: wallet.TestPayments, Amount: -2000},
			{Account: wallet.CitizenAccount(res.Citizen.AccountID), Amount: 2000},
		},
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo credit: %w", err)
	}
	if s.Participation != nil {
		if err := ensureParticipation(ctx, s.Participation, res.Citizen); err != nil {
			return Result{}, err
		}
	}
	// A copy whose passwords are all unknown here gets no logins file.
	if _, err := os.Stat(filepath.Join(dataDir, LoginsFile)); len(passwords) > 0 || err == nil {
		if err := savePasswords(dataDir, passwords); err != nil {
			return Result{}, err
		}
	}
	for _, p := range people {
		res.Logins = append(res.Logins, Login{Role: p.role, Email: p.email, Password: passwords[p.email]})
	}
	return res, nil
}

// ReasonNotDemoDatabase is the reason of Seed's refusal to seed a
// database that is not a demo database.
const ReasonNotDemoDatabase = "not_demo_database"

// demoDatabase says whether the database may take the demo data: it is
// empty (no account at all), or the demo seeded it, which its own city
// administrator marks: seeding makes that account before any other, so a
// database with accounts but without it holds someone else's (an
// administrator made by create-admin, citizens who signed up).
func demoDatabase(ctx context.Context, accounts *identity.Service) error {
	// Counted first, then the marker read: a demo hub seeding the same
	// database at once has made its administrator before any account
	// this count sees.
	n, err := accounts.CountAccounts(ctx)
	if err != nil {
		return fmt.Errorf("count accounts: %w", err)
	}
	if n == 0 {
		return nil
	}
	_, err = accounts.AccountByEmail(ctx, people[4].email)
	if err == nil {
		return nil
	}
	if !apperr.Has(err, apperr.NotFound) {
		return fmt.Errorf("read demo administrator: %w", err)
	}
	return CheckDatabase(n, false)
}

// AdminEmail is the demo's city administrator, whose account marks a
// database the demo seeded.
var AdminEmail = people[4].email

// CheckDatabase is Seed's refusal, for a database read before it is opened
// for use (store.PeekAccounts): n accounts, hasAdmin whether AdminEmail is
// one of them. The demo refuses there before it migrates, makes keys or
// starts anything on a database that is not its own.
func CheckDatabase(n int, hasAdmin bool) error {
	if n == 0 || hasAdmin {
		return nil
	}
	return apperr.R(apperr.Conflict, ReasonNotDemoDatabase,
		"this database is not a demo database: it holds accounts the demo did not create (%d in all; the demo seeds its own administrator, shops, stations and credit, with test payments on). "+
			"Run the hub on it with `cityhub serve`, or start the demo on a fresh CITYHUB_DATA_DIR (and, with PostgreSQL, its own CITYHUB_DATABASE_URL)", n)
}

func ensurePerson(ctx context.Context, ids *identity.Service, p person, shopID, venueID string, passwords map[string]string) (identity.Caller, error) {
	pw, ok := passwords[p.email]
	if !ok {
		pw = newPassword()
		passwords[p.email] = pw
	}
	a, created, err := ids.EnsureAccount(ctx, identity.NewAccount{Email: p.email, Password: pw, Name: p.name, Locale: "it", Grants: p.grants(shopID, venueID)})
	if err != nil {
		return identity.Caller{}, fmt.Errorf("demo account %s: %w", p.email, err)
	}
	if !created && !ok {
		// The account exists but its password is not in this data directory
		// (a copy restored from a backup, a PostgreSQL database seeded from
		// another machine): it is not known here, and LoginsFile keeps
		// none for it rather than words sending to itself.
		delete(passwords, p.email)
	}
	return a.Caller(), nil
}

func ensureShops(ctx context.Context, v *vouchers.Service, admin identity.Caller) ([]string, error) {
	existing, err := v.Shops(ctx, vouchers.ShopFilter{})
	if err != nil {
		return nil, fmt.Errorf("list shops: %w", err)
	}
	byName := map[string]string{}
	for _, s := range existing {
		byName[s.Name] = s.ID
	}
	var out []string
	for i, s := range shops {
		if id, ok := byName[s.Name]; ok {
			out = append(out, id)
			continue
		}
		s.IBAN = italianIBAN(fmt.Sprintf("%012d", 1000+i))
		s.Active = true
		created, err := v.CreateShop(ctx, admin, s)
		if err != nil {
			return nil, fmt.Errorf("demo shop %s: %w", s.Name, err)
		}
		out = append(out, created.ID)
	}
	return out, nil
}

const venueName = "Teatro Comunale Vittorio Emmanuele"

// ensureTheatre registers the city theatre with a small hall and two
// performances on sale (doors two hours before the start, three hours
// long: the defaults), and returns the venue id the door staff work at.
func ensureTheatre(ctx context.Context, t *ticketing.Service, admin identity.Caller) (string, error) {
	venues, err := t.Venues(ctx)
	if err != nil {
		return "", fmt.Errorf("list venues: %w", err)
	}
	for _, v := range venues {
		if v.Name == venueName {
			return v.ID, nil
		}
	}
	v, err := t.CreateVenue(ctx, admin, ticketing.Venue{Name: venueName, Address: "Corso Garibaldi, 82100 Benevento"})
	if err != nil {
		return "", fmt.Errorf("demo venue: %w", err)
	}
	hall := ticketing.SeatMap{Sections: []ticketing.Section{
		{Name: "Platea", Rows: []ticketing.SeatRow{
			{Name: "A", From: 1, To: 10, Category: "platea"}, {Name: "B", From: 1, To: 10, Category: "platea"},
			{Name: "C", From: 1, To: 10, Category: "platea"},
		}},
		{Name: "Galleria", Rows: []ticketing.SeatRow{
			{Name: "A", From: 1, To: 8, Category: "galleria"}, {Name: "B", From: 1, To: 8, Category: "galleria"},
		}},
	}}
	if _, err := t.SetSeatMap(ctx, admin, v.ID, hall); err != nil {
		return "", fmt.Errorf("demo seat map: %w", err)
	}
	// One performance starts within two hours, so its doors are open and
	// the door staff can check tickets in at once; the other is a week
	// later, so a ticket for it shows the door's refusal.
	zone := t.Zone()
	now := time.Now().In(zone)
	week := now.AddDate(0, 0, 7)
	starts := []time.Time{
		now.Truncate(time.Hour).Add(2 * time.Hour),
		time.Date(week.Year(), week.Month(), week.Day(), 21, 0, 0, 0, zone),
	}
	for i, title := range []string{"Filumena Marturano", "Le nozze di Figaro"} {
		_, err := t.CreatePerformance(ctx, admin, ticketing.Performance{
			VenueID: v.ID, Title: title, StartsAt: starts[i],
			Prices: map[string]int64{"platea": 2500, "galleria": 1500},
		})
		if err != nil {
			return "", fmt.Errorf("demo performance %s: %w", title, err)
		}
	}
	return v.ID, nil
}

const campaignName = "Benevento riparte: buoni spesa di quartiere"

func ensureCampaign(ctx context.Context, v *vouchers.Service, admin identity.Caller) error {
	all, err := v.Campaigns(ctx)
	if err != nil {
		return fmt.Errorf("list campaigns: %w", err)
	}
	for _, c := range all {
		if c.Name == campaignName {
			return nil
		}
	}
	zone := v.Zone()
	now := time.Now().In(zone)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	c, err := v.CreateCampaign(ctx, admin, vouchers.Campaign{
		Name:            campaignName,
		Description:     "Un buono da 10 € per la spesa nei negozi del centro storico e del Rione Libertà, con una spesa minima di 20 €.",
		BudgetCents:     500_000,
		FaceValueCents:  1000,
		MinSpendCents:   2000,
		PerCitizenLimit: 2,
		ValidFrom:       from,
		ValidUntil:      from.AddDate(0, 3, 0),
		Districts:       []string{"centro-storico", "rione-liberta"},
		Mode:            vouchers.ModeSingleUse,
	})
	if err != nil {
		return fmt.Errorf("demo campaign: %w", err)
	}
	if _, err := v.SetCampaignStatus(ctx, admin, c.ID, vouchers.StatusOpen); err != nil {
		return fmt.Errorf("open demo campaign: %w", err)
	}
	return nil
}

// italianIBAN builds a valid Italian IBAN (check digits by ISO 13616 mod 97)
// for a made-up account number, so demo shops pass validation without
// carrying anyone's real bank details.
func italianIBAN(account string) string {
	bban := "X0542803200" + account // CIN, ABI, CAB of a fictitious branch
	rearranged := bban + "IT00"
	digits := ""
	for _, r := range rearranged {
		if r >= 'A' && r <= 'Z' {
			digits += fmt.Sprint(int(r-'A') + 10)
		} else {
			digits += string(r)
		}
	}
	n, _ := new(big.Int).SetString(digits, 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("IT%02d%s", check, bban)
}

func newPassword() string { return "demo-" + ids.Token(6) }

func loadPasswords(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, LoginsFile))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read demo logins: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "%s is not valid JSON; delete it to start the demo afresh", LoginsFile)
	}
	// Earlier versions wrote, for a password not known here, words that
	// sent to this file: they are no password.
	for email, pw := range m {
		if strings.HasPrefix(pw, "(set on the first demo start") {
			delete(m, email)
		}
	}
	return m, nil
}

func savePasswords(dir string, m map[string]string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode demo logins: %w", err)
	}
	if err := WritePrivate(filepath.Join(dir, LoginsFile), b); err != nil {
		return fmt.Errorf("write demo logins: %w", err)
	}
	return nil
}

// WritePrivate writes a file only its owner may read, narrowing one that
// was there with a wider mode before the secrets go in (os.WriteFile's mode
// is only for a file it creates): the demo's logins and its stations'
// credentials.
func WritePrivate(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// demoReports are the citizen's reports: idempotency keys make a second
// start find them instead of making more.
var demoReports = []participation.NewReport{
	{Category: "pothole", Located: true, Lat: 41.13160, Lon: 14.78020, Description: "Buca profonda davanti all'Arco di Traiano, pericolosa per gli scooter.", Address: "Via Traiano"},
	{Category: "pothole", Located: true, Lat: 41.13190, Lon: 14.78060, Description: "Un'altra buca a pochi metri dall'Arco, sul lato della farmacia."},
	{Category: "lighting", Located: true, Lat: 41.13950, Lon: 14.76400, Description: "Lampione spento da una settimana in Viale Principe di Napoli.", PublicName: true},
	{Category: "rubbish", Address: "Contrada Pezzapiana, vicino alla fermata del bus", Description: "Rifiuti ingombranti abbandonati a bordo strada."},
}

var demoProposals = []participation.NewProposal{
	{Title: "Più panchine lungo il Corso Garibaldi", Body: "Chi passeggia o aspetta l'autobus sul Corso non trova dove sedersi: proponiamo panchine ogni cento metri.", PublicName: true},
	{Title: "Una pista ciclabile fino alla stazione", Body: "Collegare il centro storico alla stazione centrale con una pista ciclabile protetta, per chi usa le bici condivise."},
}

// ensureParticipation gives the demo citizen a few reports and the city a
// few proposals, once.
func ensureParticipation(ctx context.Context, p *participation.Service, citizen identity.Caller) error {
	for i, n := range demoReports {
		if _, _, err := p.SubmitReportWithKey(ctx, citizen, fmt.Sprintf("demo-report-%d", i+1), n); err != nil {
			return fmt.Errorf("demo report: %w", err)
		}
	}
	existing, err := p.Proposals(ctx, "", 1)
	if err != nil {
		return fmt.Errorf("list proposals: %w", err)
	}
	if len(existing) > 0 {
		return nil
	}
	for _, n := range demoProposals {
		if _, err := p.CreateProposal(ctx, citizen, n); err != nil {
			return fmt.Errorf("demo proposal: %w", err)
		}
	}
	return nil
}
